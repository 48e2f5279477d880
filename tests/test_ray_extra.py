"""`ycloud_chat.ray` is the only module that imports Ray, and says which extra it needs."""

from __future__ import annotations

import subprocess
import sys

IMPORT_WITHOUT_RAY = """
import sys
sys.modules["ray"] = None  # as if Ray were not installed
import ycloud_chat, ycloud_chat.testing
assert "ray" not in [name.split(".")[0] for name in sys.modules if sys.modules[name]]
try:
    import ycloud_chat.ray
except ImportError as exc:
    print(exc)
"""


def test_importing_it_without_ray_names_the_extra() -> None:
    result = subprocess.run(
        [sys.executable, "-c", IMPORT_WITHOUT_RAY], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == 'ycloud_chat.ray needs Ray Data: pip install "ycloud-chat[ray]"'
