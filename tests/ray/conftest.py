"""One Ray cluster of two CPUs for the whole Ray suite, and the loopback fake its actors call.

The fake is served before `ray.init`, and the SDK's variables (`YC_BASE_URL`, `YC_API_KEY`)
are set then, so that every Ray worker inherits them, as a cluster's would from its
`runtime_env`. Ray Data reads Parquet footers with a pool of 32 actors by default, a process
each: for eight small files one will do, and the jobs start sooner on two cores.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.ratefake import RateFake, serve

pytest.importorskip("ray.data", reason='the Ray suite needs "ycloud-chat[ray]"')

ENV = ("YC_BASE_URL", "YC_API_KEY", "YC_FOLDER_ID", "RAY_DATA_PARQUET_FOOTER_NUM_ACTORS")


@pytest.fixture(scope="session")
def fake() -> Iterator[RateFake]:
    """The fake every job of the session calls; a test clears what it recorded first."""
    import ray

    fake = RateFake()
    saved = {name: os.environ.get(name) for name in ENV}
    with serve(fake) as base_url:
        os.environ.update(YC_BASE_URL=base_url, YC_API_KEY="ray-suite", YC_FOLDER_ID="b1g-ray")
        os.environ["RAY_DATA_PARQUET_FOOTER_NUM_ACTORS"] = "1"
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
        try:
            yield fake
        finally:
            ray.shutdown()
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


def reset(fake: RateFake, **settings: object) -> RateFake:
    """The fake with nothing recorded, its answers set by `settings`."""
    fake.arrivals.clear()
    fake.answered_429.clear()
    fake._seen.clear()
    fake.max_in_flight = 0
    fake.throttle_arrivals = set()
    fake.retry_after = "1"
    for name, value in settings.items():
        setattr(fake, name, value)
    return fake
