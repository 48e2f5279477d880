"""Fork after a pooled request; parent and child then call the one SDK at the same time.

Each round the parent, whose last call left its pool warm (a pooled connection the child
inherits), forks, and both ask at once, each its own question; the child sends its answer
through a pipe and exits: normally every tenth round, as a gunicorn or Celery worker does
(its exit must neither print nor disturb the parent's pool), else by `os._exit` as a
`multiprocessing` worker does (a normal exit costs a loaded machine half a second).
Streams every other round.
Usage: fork_race.py FACE BACKEND ROUNDS
"""

from __future__ import annotations

import os
import sys

from tests.deployment.scripts.process_kit import attempt, close, make_sdk, report


def main(face: str, backend: str, rounds: int) -> None:
    sdk = make_sdk(face, backend)
    model = sdk.chat.completions("m")
    wrong: list[str] = []
    child_ok = parent_ok = 0
    attempt(model, "warm")
    for number in range(rounds):
        stream = number % 2 == 1
        read, write = os.pipe()
        sys.stdout.flush()
        pid = os.fork()
        if pid == 0:
            os.close(read)
            answer = attempt(model, f"child-{number}", stream=stream)
            os.write(write, answer.encode()[:2000])
            os.close(write)
            if number % 10 == 0:
                sys.exit(0)
            os._exit(0)
        os.close(write)
        answer = attempt(model, f"parent-{number}", stream=stream)
        parent_ok += answer == f"echo:parent-{number}"
        if answer != f"echo:parent-{number}":
            wrong.append(f"parent {number}: {answer}")
        with os.fdopen(read, "rb") as pipe:
            child_answer = pipe.read().decode()
        _, status = os.waitpid(pid, 0)
        child_ok += child_answer == f"echo:child-{number}" and status == 0
        if child_answer != f"echo:child-{number}" or status:
            wrong.append(f"child {number} (status {status}): {child_answer}")
        if len(wrong) >= 3:  # enough to tell what goes wrong: the test fails now
            break
    close(sdk)
    report(rounds=rounds, parent_ok=parent_ok, child_ok=child_ok, wrong=wrong[:5])


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
