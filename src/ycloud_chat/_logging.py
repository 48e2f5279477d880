"""`YCLOUD_CHAT_LOG=debug|info`: the SDK's log lines on stderr, switched on without code.

The variable is read once, when the package is imported; without it nothing is configured
and the application's own logging setup decides (the logger is `ycloud_chat`). The SDK never
puts a key or a token into a log line, so nothing has to be hidden here.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping

__all__ = ["ENV_LOG", "LOGGER_NAME", "setup_logging"]

ENV_LOG = "YCLOUD_CHAT_LOG"
LOGGER_NAME = "ycloud_chat"
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO}
_FORMAT = "[%(asctime)s %(levelname)s %(name)s] %(message)s"


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """The handler this switch adds; known by its class, so that it is added only once."""


def setup_logging(environ: Mapping[str, str] | None = None) -> None:
    """Send the `ycloud_chat` logger's lines to stderr at the level `YCLOUD_CHAT_LOG` names.

    `debug` shows every attempt of every request; `info` the requests and their retries.
    An unknown value is reported on stderr and otherwise ignored.
    """
    env = os.environ if environ is None else environ
    value = env.get(ENV_LOG, "").strip().lower()
    if not value:
        return
    level = _LEVELS.get(value)
    if level is None:
        print(
            f"ycloud_chat: {ENV_LOG}={value!r} is ignored; it takes debug or info",
            file=sys.stderr,
        )
        return
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if not any(isinstance(handler, _StderrHandler) for handler in logger.handlers):
        handler = _StderrHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(_FORMAT))
        logger.addHandler(handler)
