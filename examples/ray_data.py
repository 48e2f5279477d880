"""Chat over Parquet files with Ray Data: an answer per row, one rate limit for the cluster.

    python examples/ray_data.py prompts/ answers/ [checkpoints/]

Needs `pip install "ycloud-chat[ray]"`. The prompts have an `id` column and a `messages`
column (lists of `{"role", "content"}`); the answers are the same rows with `text`,
`finish_reason`, `input_tokens`, `output_tokens`, `request_id` and `error` added. Each actor
makes its SDK from the environment (`YC_API_KEY`, `YC_FOLDER_ID`). Given a third folder,
a job killed half-way and run again skips the rows it already wrote.
"""

from __future__ import annotations

import sys

import ray
import ray.data
from ray.data.checkpoint import CheckpointConfig

from ycloud_chat import Limits
from ycloud_chat.ray import chat


# --8<-- [start:job]
def answer(
    source: str,
    target: str,
    *,
    requests_per_minute: float = 600,
    checkpoint: str | None = None,
    blocks: int | None = None,
) -> None:
    """Answer every row of `source` and write the rows with their answers to `target`.

    `blocks`: split the input into that many blocks (Ray reads small files as one block,
    which one actor would answer alone and write at the end).
    """
    if checkpoint is not None:  # the ids of the rows written go there; a run again skips them
        context = ray.data.DataContext.get_current()
        context.checkpoint_config = CheckpointConfig(id_column="id", checkpoint_path=checkpoint)
    prompts = ray.data.read_parquet(source)
    if blocks is not None:
        prompts = prompts.repartition(blocks)
    answers = chat(
        prompts,
        "yandexgpt",
        limits=Limits(requests_per_minute=requests_per_minute),  # for the whole cluster
        concurrency=4,  # actors, each with many calls in flight
        num_cpus=0.25,  # they wait on the network: a fraction of a CPU each
    )
    answers.write_parquet(target)


# --8<-- [end:job]


if __name__ == "__main__":
    ray.init()  # this machine; on a node of a cluster: ray.init(address="auto")
    answer(sys.argv[1], sys.argv[2], checkpoint=sys.argv[3] if len(sys.argv) > 3 else None)
