"""gevent's `monkey.patch_all()`, then 50 greenlets share one ChatSDK (each answer delayed).

Usage: greenlets.py COUNT
"""

from gevent import monkey

monkey.patch_all()

import sys  # noqa: E402  (after patch_all, as gevent asks)
import time  # noqa: E402

import gevent  # noqa: E402

from tests.deployment.scripts.process_kit import report  # noqa: E402
from ycloud_chat import ChatSDK  # noqa: E402


def main(count: int) -> None:
    with ChatSDK() as sdk:
        model = sdk.chat.completions("slow")  # the server waits before each answer
        started = time.monotonic()
        jobs = [gevent.spawn(model.run, f"g-{number}") for number in range(count)]
        gevent.joinall(jobs, timeout=60)
        elapsed = time.monotonic() - started
    right = sum(
        job.value is not None and job.value.text == f"echo:g-{n}" for n, job in enumerate(jobs)
    )
    errors = [repr(job.exception) for job in jobs if job.exception is not None]
    report(greenlets=count, right=right, seconds=round(elapsed, 2), errors=errors[:3])


if __name__ == "__main__":
    main(int(sys.argv[1]))
