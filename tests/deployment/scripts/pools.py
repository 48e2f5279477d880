"""A multiprocessing pool's workers call an SDK: inherited through fork, or pickled to spawn.

Usage: pools.py fork|spawn|executor FACE BACKEND
"""

from __future__ import annotations

import multiprocessing
import sys
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from tests.deployment.scripts.process_kit import ask, close, make_sdk, report

MODEL: Any = None  # set in the parent before the fork: what a forked worker inherits


def ask_inherited(question: str) -> str:
    """A task that uses the SDK the worker inherited."""
    answer: str = ask(MODEL, question)
    return answer


def main(method: str, face: str, backend: str) -> None:
    global MODEL
    sdk = make_sdk(face, backend)
    MODEL = sdk.chat.completions("m")
    warm = ask(MODEL, "warm")  # the parent's pool is open and holds a connection
    questions = [f"q-{number}" for number in range(24)]
    if method == "fork":
        with multiprocessing.get_context("fork").Pool(2) as pool:
            answers = pool.map(ask_inherited, questions)
            pool.close()
            pool.join()
    elif method == "spawn":  # the model travels pickled, with every task
        with multiprocessing.get_context("spawn").Pool(2) as pool:
            answers = pool.starmap(ask, [(MODEL, question) for question in questions])
            pool.close()
            pool.join()
    else:
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(2, mp_context=context) as executor:
            answers = list(executor.map(ask, [MODEL] * len(questions), questions))
    after = ask(MODEL, "after")  # the parent's pool still works
    close(sdk)
    right = sum(answer == f"echo:{q}" for answer, q in zip(answers, questions, strict=True))
    report(tasks=len(questions), right=right, parent=[warm, after])


if __name__ == "__main__":
    main(*sys.argv[1:4])
