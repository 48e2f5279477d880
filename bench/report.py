"""Turn the benchmark's samples into medians, ratios to the raw clients and a verdict per target."""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

CONCURRENCY = (1, 8, 32, 128, 512)
TARGET_CONCURRENCY = (1, 128, 512)  # async non-stream: >= 0.6x raw aiohttp at these
OURS = ("ycloud_chat", "ycloud_chat httpx")
SYNC_DEFAULT = ("ycloud_chat",)  # the sync face on http.client

# The stream figures: the key, the row's label and the target ratio to raw httpx.
_STREAM_ROWS = (
    ("text", "content deltas, reading delta", 0.95),
    ("text read", "content deltas, reading text", 0.80),
    ("tools", "tool-call deltas", 1.00),
)
SYNC_CLIENTS = ("http.client", "httpx", "ycloud_chat", "ycloud_chat httpx", "openai")
ASYNC_CLIENTS = ("aiohttp", "httpx", "ycloud_chat", "ycloud_chat httpx", "openai", "openai aiohttp")
SYNC_STREAM_CLIENTS = ("httpx", "http.client", "ycloud_chat", "ycloud_chat httpx", "openai")
ASYNC_STREAM_CLIENTS = ("httpx", "aiohttp", "ycloud_chat", "ycloud_chat httpx", "openai")


def _median(samples: dict[str, list[float]], key: str) -> float:
    return statistics.median(samples[key])


def _ratio(samples: dict[str, list[float]], key: str, baseline: str) -> float:
    """The median of the rounds' ratios of `key` to `baseline`.

    Each round measures every client moments apart, while the machine's speed may drift from
    round to round (a shared machine, two cores): a ratio of medians would set one client's
    fast rounds against another's slow ones.
    """
    ours, theirs = samples[key], samples[baseline]
    if len(ours) != len(theirs):
        return statistics.median(ours) / statistics.median(theirs)
    return statistics.median(a / b for a, b in zip(ours, theirs, strict=True))


def _rows(samples: dict[str, list[float]]) -> list[dict[str, Any]]:
    """One row per figure: each client's median, ratios to the row's baseline, the target."""
    rows = []

    def row(
        section: str,
        figure: str,
        key: str,
        clients: tuple[str, ...],
        baseline: str,
        *,
        higher_is_better: bool,
        target: float | None,
        unit: str,
        targeted: tuple[str, ...] = OURS,
    ) -> None:
        values = {name: _median(samples, key.format(name=name)) for name in clients}
        base = key.format(name=baseline)
        ratios = {name: _ratio(samples, key.format(name=name), base) for name in clients}
        met = None
        if target is not None:
            checked = [ratios[name] for name in targeted if name in clients]
            met = all(r >= target if higher_is_better else r <= target for r in checked)
        rows.append(
            {
                "section": section,
                "figure": figure,
                "unit": unit,
                "clients": list(clients),
                "baseline": baseline,
                "values": values,
                "ratios": ratios,
                "target": None
                if target is None
                else (">=" if higher_is_better else "<=") + f" {target:.2f}",
                "met": met,
                "higher": higher_is_better,
            }
        )

    sync, async_, streams = "sync", "async", "streams"
    # The sync face's targets are its default backend's (http.client): httpx, the fallback
    # for SOCKS and HTTPS proxies and a caller's client, is shown beside it.
    row(sync, "sequential non-stream", "sync run {name}", SYNC_CLIENTS, "httpx",
        higher_is_better=True, target=0.95, unit="req/s", targeted=SYNC_DEFAULT)  # fmt: skip
    row(sync, "client CPU per request", "sync run {name} cpu", SYNC_CLIENTS, "httpx",
        higher_is_better=False, target=1.15, unit="µs", targeted=SYNC_DEFAULT)  # fmt: skip
    for concurrency in CONCURRENCY:
        key = f"async run c={concurrency} {{name}}"
        target = 0.60 if concurrency in TARGET_CONCURRENCY else None
        row(async_, f"non-stream, concurrency {concurrency}", key, ASYNC_CLIENTS, "aiohttp",
            higher_is_better=True, target=target, unit="req/s",
            targeted=("ycloud_chat",))  # fmt: skip
        row(async_, f"client CPU per request, c={concurrency}", key + " cpu", ASYNC_CLIENTS,
            "aiohttp", higher_is_better=False, target=None, unit="µs")  # fmt: skip
    for face, clients in (("sync", SYNC_STREAM_CLIENTS), ("async", ASYNC_STREAM_CLIENTS)):
        for kind, label, target in _STREAM_ROWS:
            key = f"{face} stream {kind} {{name}}"
            targeted = SYNC_DEFAULT if face == "sync" else OURS
            row(streams, f"chunks/s, {label}, {face}", key, clients, "httpx",
                higher_is_better=True, target=target, unit="chunks/s",
                targeted=targeted)  # fmt: skip
            row(streams, f"CPU per chunk, {label}, {face}", key + " cpu", clients, "httpx",
                higher_is_better=False, target=None, unit="µs")  # fmt: skip
    return rows


def _checks(samples: dict[str, list[float]]) -> dict[str, tuple[float, bool]]:
    """The targets that compare figures with each other rather than with a baseline."""
    c128, c32, c512 = (f"async run c={c} ycloud_chat" for c in (128, 32, 512))
    versus_openai = _ratio(samples, c128, "async run c=128 openai aiohttp")
    held = _ratio(samples, c512, c32)
    return {
        "ycloud_chat / openai with DefaultAioHttpClient, async c=128 >= 2": (
            versus_openai,
            versus_openai >= 2,
        ),
        "ycloud_chat throughput at c=512 / at c=32 >= 0.8": (held, held >= 0.8),
    }


_IMPORT_LABELS = (
    "httpx",
    "httpx+pydantic",
    "import ycloud_chat",
    "from ycloud_chat import ChatSDK",
    "from ycloud_chat import AsyncChatSDK",
    "aiohttp",
    "ChatSDK, a first model and request",
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
                "ChatSDK, a first model and request minus httpx+pydantic <= 100 ms (wall)": (
                    ms("ChatSDK, a first model and request") - floor,
                    ms("ChatSDK, a first model and request") - floor <= 100,
                ),
                "ycloud-chat --help, whole process <= 300 ms (wall)": (
                    _median(samples, "cli help ms"),
                    _median(samples, "cli help ms") <= 300,
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
                    max(per_chunk["ycloud_chat"], per_chunk["ycloud_chat httpx"]),
                    max(per_chunk["ycloud_chat"], per_chunk["ycloud_chat httpx"]) < 64,
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


_SECTIONS = {
    "sync": "Sync face, sequential (ratios to raw httpx)",
    "async": "Async face, non-stream (ratios to raw aiohttp, the limit)",
    "streams": "Streams of 10,000 deltas (ratios to raw httpx + json.loads per event)",
}


def _label(name: str) -> str:
    return {
        "httpx": "raw httpx",
        "aiohttp": "raw aiohttp",
        "http.client": "raw http.client",
        "ycloud_chat": "ycloud_chat (aiohttp)",
    }.get(name, name)


def _openai(row: dict[str, Any]) -> str:
    """The openai SDK's fastest setup in a row: with aiohttp where it was measured."""
    return "openai aiohttp" if "openai aiohttp" in row["ratios"] else "openai"


def markdown(rows: list[dict[str, Any]], extra: list[dict[str, Any]], run: dict[str, Any]) -> str:
    """The results as a markdown document: one table per section, then imports and memory."""
    lines = [
        f"Run {run['date']} on {run['machine']}, Python {run['python']}; "
        + ", ".join(f"{name} {version}" for name, version in run["versions"].items())
        + f". Medians of {run['rounds']} alternating rounds; the run took {run['seconds']} s.",
    ]
    for section, title in _SECTIONS.items():
        section_rows = [row for row in rows if row["section"] == section]
        clients = section_rows[0]["clients"]
        if section == "sync":  # ycloud_chat's sync face runs on http.client by default
            labels = [_label(name).replace(" (aiohttp)", " (http.client)") for name in clients]
        elif section == "streams":  # the sync face has no aiohttp rows
            clients = list(ASYNC_STREAM_CLIENTS)
            labels = [_label(name) for name in clients]
            labels[1] = "raw aiohttp / http.client"
            labels[2] = "ycloud_chat (aiohttp / http.client)"
        else:
            labels = [_label(name) for name in clients]
        ours = [name for name in OURS if name in clients]
        lines += [
            "",
            f"**{title}**",
            "",
            "| figure | "
            + " | ".join(labels)
            + " | "
            + " | ".join(f"{labels[clients.index(name)]} ratio" for name in ours)
            + " | openai ratio (aiohttp where measured) | target | met |",
            "| --- |" + " ---: |" * (len(clients) + len(ours) + 1) + " --- | --- |",
        ]
        for row in section_rows:
            values = [_format(row["values"][name]) for name in row["clients"]]
            ratios = [
                f"{row['ratios'][name]:.2f}" if name in row["ratios"] else "" for name in ours
            ]
            openai = row["ratios"][_openai(row)]
            lines.append(
                f"| {row['figure']} ({row['unit']}) | "
                + " | ".join(values)
                + " | "
                + " | ".join(ratios)
                + f" | {openai:.2f} | {row['target'] or ''} | {_mark(row['met'])} |"
            )
    imports, rss, streams = extra[:3]
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
    """Bar charts of each figure as a ratio to its raw baseline: throughput, and CPU."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    throughput = [row for row in rows if row["unit"] in ("req/s", "chunks/s")]
    cpu = [row for row in rows if row["unit"] == "µs"]
    figure, axes = plt.subplots(1, 2, figsize=(15, 0.55 * len(throughput) + 1.8), sharey=True)
    panels = (
        (axes[0], throughput, False, "throughput / the raw baseline's (wall clock)"),
        (axes[1], cpu, True, "the raw baseline's CPU / the client's CPU"),
    )
    for axis, panel, inverse in ((a, p, i) for a, p, i, _ in panels):
        _bars(axis, panel, inverse)
    for axis, _, _, title in panels:
        axis.set_xlabel(title + "; red: target")
    axes[0].set_yticks(
        range(len(throughput)),
        [f"{row['section']}: {row['figure']} (/ raw {row['baseline']})" for row in throughput],
    )
    axes[0].invert_yaxis()
    handles, labels = axes[0].get_legend_handles_labels()
    figure.legend(handles, labels, loc="lower center", ncol=len(labels))
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    figure.savefig(path, dpi=100)
    plt.close(figure)


def _bars(axis: Any, rows: list[dict[str, Any]], inverse: bool) -> None:
    """One panel: both backends of ycloud_chat and openai against the raw baseline (1.0)."""
    positions = range(len(rows))
    series = (
        (-0.27, "ycloud_chat", "ycloud_chat (aiohttp on async, http.client on sync)", "tab:blue"),
        (0.0, "ycloud_chat httpx", "ycloud_chat (httpx)", "tab:cyan"),
        (0.27, None, "openai (aiohttp where measured)", "tab:gray"),
    )
    for offset, name, label, colour in series:
        ratios = [row["ratios"].get(name or _openai(row), float("nan")) for row in rows]
        axis.barh(
            [p + offset for p in positions],
            [1 / ratio if inverse else ratio for ratio in ratios],
            height=0.27,
            label=label,
            color=colour,
        )
    for position, row in zip(positions, rows, strict=True):
        if row["target"] is None:
            continue
        target = float(row["target"].split()[1])
        target = 1 / target if inverse else target
        axis.plot([target, target], [position - 0.45, position + 0.45], color="tab:red")
    axis.axvline(1.0, color="black", linewidth=0.8)


def write_report(samples: dict[str, list[float]], run: dict[str, Any], out: Path) -> None:
    """Write results.json, results.md and results.png into `out`, and print the markdown."""
    out.mkdir(parents=True, exist_ok=True)
    rows = _rows(samples)
    extra = _import_rows(samples, run)
    extra.append({"figure": "targets across figures", "checks": _checks(samples)})
    document = markdown(rows, extra, run)
    data = {"run": run, "figures": rows, "imports_and_memory": extra, "samples": samples}
    (out / "results.json").write_text(json.dumps(data, indent=2, default=str) + "\n")
    (out / "results.md").write_text(document)
    chart(rows, out / "results.png")
    print(document)
