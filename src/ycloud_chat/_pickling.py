"""Pickling an SDK, its models and their transport by their settings, never by their pool.

An SDK pickles as the arguments its constructor was given (updated by `with_options`), and
unpickles by calling the constructor again with them: in another process it makes a fresh
pool, and what it read from the environment (the folder, the credentials, the base URL) it
reads again there, from that process's environment. An explicit `auth` travels as the
caller gave it. A model pickles as its own settings and its SDK's; the models unpickled in
one process with the same SDK settings share one SDK there (one pool, not one per task).
"""

from __future__ import annotations

import pickle
import ssl
import threading
from collections.abc import Mapping
from typing import Any

from ._exceptions import ConfigurationTypeError

__all__ = ["Origin", "rebuild_sdk", "rebuild_transport"]

# Arguments that need no check: they are plain values (str, numbers, dicts of str).
_PLAIN = (str, int, float, bool, dict, type(None))


class Origin:
    """How an SDK was made: its class and the arguments the caller gave its constructor."""

    __slots__ = ("arguments", "sdk_class")

    def __init__(self, sdk_class: type[Any], arguments: Mapping[str, Any]) -> None:
        self.sdk_class = sdk_class
        self.arguments = dict(arguments)

    def updated(self, **changes: Any) -> Origin:
        """The origin of a copy made by `with_options` with these settings changed."""
        return Origin(self.sdk_class, {**self.arguments, **changes})

    def checked(self, what: str) -> tuple[type[Any], dict[str, Any]]:
        """The class and arguments to pickle, or a clear error naming what cannot travel."""
        arguments = self.arguments
        if arguments.get("http_client") is not None:
            raise _unpicklable(what, "it runs on a caller-owned http_client")
        if isinstance(arguments.get("verify"), ssl.SSLContext):
            raise _unpicklable(what, "its verify= is an ssl.SSLContext (pass a CA bundle path)")
        for name, value in arguments.items():
            if not isinstance(value, _PLAIN):
                try:
                    pickle.dumps(value)
                except Exception as exc:
                    reason = f"its {name}= ({type(value).__name__}) does not pickle: {exc}"
                    raise _unpicklable(what, reason) from exc
        return self.sdk_class, arguments


def _unpicklable(what: str, reason: str) -> ConfigurationTypeError:
    return ConfigurationTypeError(
        f"cannot pickle this {what}: {reason}; make the SDK in the other process instead"
    )


def rebuild_sdk(sdk_class: type[Any], arguments: dict[str, Any]) -> Any:
    """An SDK made again from its arguments (unpickling), with a pool of its own."""
    return sdk_class(**arguments)


# The SDKs made to unpickle models, by their pickled settings: each task of a process pool
# unpickles its model again, and they all share one pool.
_MODEL_SDKS: dict[bytes, Any] = {}
_MODEL_SDKS_LOCK = threading.Lock()


def rebuild_transport(sdk_class: type[Any], arguments: dict[str, Any]) -> Any:
    """The transport of this process's SDK of these settings (unpickling a model)."""
    key = pickle.dumps((sdk_class, arguments))
    with _MODEL_SDKS_LOCK:
        sdk = _MODEL_SDKS.get(key)
        if sdk is None:
            sdk = _MODEL_SDKS[key] = sdk_class(**arguments)
    return sdk._transport
