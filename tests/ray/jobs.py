"""The Ray suite's data and its killable driver.

`python -m tests.ray.jobs SETTINGS_JSON [ADDRESS]` runs `examples/ray_data.py`'s job as a
driver of its own, with Ray Data's checkpoints, so that a test can kill it half-way (driver,
actors and all) and run it again: on the cluster at ADDRESS, or on a Ray of its own.
"""

from __future__ import annotations

import json
import runpy
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import ray
import ray.data

EXAMPLE = Path(__file__).parents[2] / "examples" / "ray_data.py"


def example_job() -> Callable[..., None]:
    """`answer(source, target, requests_per_minute=)` of examples/ray_data.py."""
    job: Callable[..., None] = runpy.run_path(str(EXAMPLE))["answer"]
    return job


def write_prompts(folder: Path, count: int, *, bad: tuple[int, ...] = (), files: int = 8) -> None:
    """`count` rows of `id` and `messages` in `files` Parquet files (a block each).

    The rows in `bad` are answered 400 by the fake.
    """
    folder.mkdir(parents=True)
    messages = [
        [{"role": "user", "content": f"{'status400 ' if i in bad else ''}row {i}"}]
        for i in range(count)
    ]
    table = pa.table({"id": pa.array(range(count), pa.int64()), "messages": messages})
    size = -(-count // files)
    for number in range(files):
        pq.write_table(table.slice(number * size, size), folder / f"prompts-{number}.parquet")


def read_answers(folder: Path) -> pa.Table:
    """Every whole Parquet file written under `folder` (one being written is left out)."""
    tables = []
    for file in sorted(folder.glob("*.parquet")):
        try:
            tables.append(pq.read_table(file))
        except (OSError, pa.ArrowInvalid):
            continue
    return pa.concat_tables(tables) if tables else pa.table({"id": pa.array([], pa.int64())})


def main(settings: dict[str, Any], address: str | None) -> None:
    """Run the example's job as a driver: of the cluster at `address`, or of its own Ray."""
    if address is not None:
        ray.init(address=address, log_to_driver=False)
    else:
        # Ray Data's checkpoint filter actor asks for a whole CPU: on two CPUs, with a reader
        # and four actors, a resumed run waits for one forever. Declare more logical CPUs
        # (docs/ray.md).
        ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False)
    job = example_job()
    job(
        settings["input"],
        settings["output"],
        requests_per_minute=settings["rpm"],
        checkpoint=settings["checkpoint"],
        blocks=settings["blocks"],
    )


if __name__ == "__main__":
    main(json.loads(sys.argv[1]), sys.argv[2] if len(sys.argv) > 2 else None)
