"""Turn the benchmark's samples into medians, ratios to raw httpx and a pass/fail per target."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

CONCURRENCY = (1, 8, 32, 128)


def _median(samples: dict[str, list[float]], key: str) -> float:
    return statistics.median(samples[key])


def _rows(samples: dict[str, list[float]]) -> list[dict[str, Any]]:
    """One row per figure: the three clients' medians, ratios to httpx, the target."""
    rows = []

    def row(figure: str, key: str, higher_is_better: bool, target: float | None, unit: str) -> None:
        values = {name: _median(samples, key.format(name=name)) for name in _NAMES}
        ratios = {name: values[name] / values["httpx"] for name in _NAMES}
        met = None
        if target is not None:
            ours = ratios["ycloud_chat"]
            met = ours >= target if higher_is_better else ours <= target
        rows.append(
            {
                "figure": figure,
                "unit": unit,
                "values": values,
                "ratios": ratios,
                "target": None
                if target is None
                else (">=" if higher_is_better else "<=") + f" {target:.2f}",
                "met": met,
            }
        )

    row("sequential non-stream, sync", "sync run {name}", True, 0.90, "req/s")
    row("client CPU per request, sync", "sync run {name} cpu", False, 1.15, "µs")
    for concurrency in CONCURRENCY:
        key = f"async run c={concurrency} {{name}}"
        row(f"async non-stream, concurrency {concurrency}", key, True, 0.90, "req/s")
        row(f"client CPU per request, async c={concurrency}", key + " cpu", False, 1.15, "µs")
    for face in ("sync", "async"):
        for kind, label in (("text", "content deltas"), ("tools", "tool-call deltas")):
            key = f"{face} stream {kind} {{name}}"
            row(f"stream chunks/s, {label}, {face}", key, True, 0.80, "chunks/s")
            row(f"CPU per chunk, {label}, {face}", key + " cpu", False, 1.25, "µs")
    return rows


_NAMES = ("httpx", "ycloud_chat", "openai")
_IMPORT_LABELS = (
    "httpx",
    "httpx+pydantic",
    "import ycloud_chat",
    "from ycloud_chat import ChatSDK",
    "from ycloud_chat import AsyncChatSDK",
    "ChatSDK and a first model",
    "openai",
)


def _import_rows(samples: dict[str, list[float]], run: dict[str, Any]) -> list[dict[str, Any]]:
    def ms(label: str, kind: str = "ms") -> float:
        key = f"import {kind} {{}}"
        return _median(samples, key.format(label)) - _median(samples, key.format("python"))

    def cpu(label: str) -> float:
        return ms(label, "cpu ms")

    def rss(label: str) -> float:
        return _median(samples, f"import rss MB {label}")

    floor, cpu_floor = ms("httpx+pydantic"), cpu("httpx+pydantic")
    sdk, cpu_sdk = ms("from ycloud_chat import ChatSDK"), cpu("from ycloud_chat import ChatSDK")
    bare_modules = run["modules after import"]["import ycloud_chat"]
    faces = [name for name in bare_modules if name.startswith("ycloud_chat.")]
    streams = run["streams"]
    per_chunk = {}
    for name, marks in streams["rss_mb"].items():
        steps = [key for key in marks if key.startswith("after ")]
        first, last = steps[0], steps[-1]
        chunks = int(last.split()[1]) - int(first.split()[1])
        grown = (marks[last] - marks[first]) * 1024 * 1024
        per_chunk[name] = grown / streams["count"] / chunks
    return [
        {
            "figure": "import wall time above bare python",
            "unit": "ms",
            "values": {label: ms(label) for label in _IMPORT_LABELS},
            "cpu": {label: cpu(label) for label in _IMPORT_LABELS},
            "importtime": {
                label: _median(samples, f"importtime ms {label}")
                for label in (
                    "httpx",
                    "httpx+pydantic",
                    "import ycloud_chat",
                    "from ycloud_chat import ChatSDK",
                    "openai",
                )
            },
            "checks": {
                "ChatSDK minus httpx+pydantic <= 25 ms (wall)": (sdk - floor, sdk - floor <= 25),
                "ChatSDK minus httpx+pydantic <= 25 ms (CPU)": (
                    cpu_sdk - cpu_floor,
                    cpu_sdk - cpu_floor <= 25,
                ),
                "ChatSDK / openai < 0.25 (wall)": (sdk / ms("openai"), sdk < ms("openai") / 4),
                "ChatSDK and a first model minus httpx+pydantic, ms (wall; no target)": (
                    ms("ChatSDK and a first model") - floor,
                    None,
                ),
                "bare import loads no face": (", ".join(faces) or "none", not faces),
            },
        },
        {
            "figure": "RSS after import",
            "unit": "MB",
            "values": {
                "python": rss("python"),
                "httpx": rss("httpx"),
                "from ycloud_chat import ChatSDK": rss("from ycloud_chat import ChatSDK"),
                "openai": rss("openai"),
            },
            "checks": {
                "ChatSDK RSS <= 1.2x httpx": (
                    rss("from ycloud_chat import ChatSDK") / rss("httpx"),
                    rss("from ycloud_chat import ChatSDK") <= 1.2 * rss("httpx"),
                ),
            },
        },
        {
            "figure": f"{streams['count']} concurrent open streams",
            "unit": "MB",
            "values": dict(streams["rss_mb"].items()),
            "checks": {
                "growth per stream per chunk (bytes) < 64": (
                    per_chunk["ycloud_chat"],
                    per_chunk["ycloud_chat"] < 64,
                ),
            },
            "bytes per stream per chunk": per_chunk,
        },
    ]


def _format(value: float) -> str:
    if value >= 1000:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _mark(met: bool | None) -> str:
    return "" if met is None else ("yes" if met else "**no**")


def markdown(rows: list[dict[str, Any]], extra: list[dict[str, Any]], run: dict[str, Any]) -> str:
    """The results as a markdown document: the main table, then imports and memory."""
    lines = [
        f"Run {run['date']} on {run['machine']}, Python {run['python']}; "
        + ", ".join(f"{name} {version}" for name, version in run["versions"].items())
        + f". Medians of {run['rounds']} alternating rounds; the run took {run['seconds']} s.",
        "",
        "| figure | raw httpx | ycloud_chat | ratio | openai | ratio | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        values, ratios = row["values"], row["ratios"]
        lines.append(
            f"| {row['figure']} ({row['unit']}) | {_format(values['httpx'])} "
            f"| {_format(values['ycloud_chat'])} | {ratios['ycloud_chat']:.2f} "
            f"| {_format(values['openai'])} | {ratios['openai']:.2f} "
            f"| {row['target'] or ''} | {_mark(row['met'])} |"
        )
    imports, rss, streams = extra
    lines += [
        "",
        "| import (fresh interpreter, median) | wall ms above bare python | CPU ms "
        "| -X importtime ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, value in imports["values"].items():
        importtime = imports["importtime"].get(label)
        shown = "" if importtime is None else f"{importtime:.1f}"
        lines.append(f"| `{label}` | {value:.1f} | {imports['cpu'][label]:.1f} | {shown} |")
    lines += ["", "| RSS after import | MB |", "| --- | ---: |"]
    lines += [f"| `{label}` | {value:.1f} |" for label, value in rss["values"].items()]
    marks = next(iter(streams["values"].values()))
    lines += [
        "",
        f"| {streams['figure']}, RSS MB | " + " | ".join(marks) + " | bytes/stream/chunk |",
        "| --- |" + " ---: |" * (len(marks) + 1),
    ]
    for name, values in streams["values"].items():
        per_chunk = streams["bytes per stream per chunk"][name]
        lines.append(
            f"| {name} | "
            + " | ".join(f"{v:.1f}" for v in values.values())
            + f" | {per_chunk:.1f} |"
        )
    lines += ["", "| check | measured | met |", "| --- | ---: | --- |"]
    for block in extra:
        for check, (value, met) in block["checks"].items():
            shown = value if isinstance(value, str) else f"{value:.2f}"
            lines.append(f"| {check} | {shown} | {_mark(met)} |")
    return "\n".join(lines) + "\n"


def chart(rows: list[dict[str, Any]], path: Path) -> None:
    """Bar charts of each figure as a ratio to raw httpx: wall-clock throughput, and CPU."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    throughput = [row for row in rows if row["unit"] in ("req/s", "chunks/s")]
    cpu = [row for row in rows if row["unit"] == "µs"]
    figure, axes = plt.subplots(1, 2, figsize=(15, 0.45 * len(throughput) + 1.8), sharey=True)
    panels = (
        (axes[0], throughput, False, "throughput / raw httpx's (wall clock)"),
        (axes[1], cpu, True, "raw httpx's CPU / the client's CPU (work per CPU second)"),
    )
    for axis, panel, inverse, title in panels:
        _bars(axis, panel, inverse)
        axis.set_xlabel(title + "; red: target")
    axes[0].set_yticks(range(len(throughput)), [row["figure"] for row in throughput])
    axes[0].invert_yaxis()
    axes[1].legend(loc="lower right")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _bars(axis: Any, rows: list[dict[str, Any]], inverse: bool) -> None:
    """One panel: ycloud_chat and openai against raw httpx (1.0), with each row's target."""
    positions = range(len(rows))
    for offset, name, colour in ((-0.2, "ycloud_chat", "tab:blue"), (0.2, "openai", "tab:gray")):
        ratios = [row["ratios"][name] for row in rows]
        axis.barh(
            [p + offset for p in positions],
            [1 / ratio if inverse else ratio for ratio in ratios],
            height=0.4,
            label=name,
            color=colour,
        )
    for position, row in zip(positions, rows, strict=True):
        target = float(row["target"].split()[1])
        target = 1 / target if inverse else target
        axis.plot([target, target], [position - 0.45, position + 0.45], color="tab:red")
    axis.axvline(1.0, color="black", linewidth=0.8)


def write_report(samples: dict[str, list[float]], run: dict[str, Any], out: Path) -> None:
    """Write results.json, results.md and results.png into `out`, and print the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    rows = _rows(samples)
    extra = _import_rows(samples, run)
    document = markdown(rows, extra, run)
    data = {"run": run, "figures": rows, "imports_and_memory": extra, "samples": samples}
    (out / "results.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    (out / "results.md").write_text(document)
    chart(rows, out / "results.png")
    print(document)
