"""Every public exception and every result pickles into another process and back."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from ..pickling_samples import errors, fields, results
from .conftest import ROOT, SCRIPTS, STRICT, assert_quiet, child_env
from .echo_server import EchoServer

pytestmark = [pytest.mark.slow, pytest.mark.deployment]


@pytest.mark.parametrize("protocol", [0, pickle.HIGHEST_PROTOCOL])
def test_every_exception_and_result_crosses_a_process_boundary(
    echo: EchoServer, protocol: int
) -> None:
    values = [*errors(), *results()]
    command = [sys.executable, *STRICT, str(SCRIPTS / "pickle_child.py")]
    done = subprocess.run(
        command,
        input=pickle.dumps(values, protocol=protocol),
        capture_output=True,
        env=child_env(echo.url),
        cwd=ROOT,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert_quiet(done.stderr.decode())
    names, back = pickle.loads(done.stdout)
    assert names == [type(value).__name__ for value in values]
    assert [fields(value) for value in back] == [fields(value) for value in values]
    assert len(values) >= 37
