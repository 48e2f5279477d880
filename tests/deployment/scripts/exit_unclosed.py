"""One call and one stream, then the script ends without closing its SDK.

Usage: exit_unclosed.py FACE BACKEND
"""

from __future__ import annotations

import sys

from tests.deployment.scripts.process_kit import ask, make_sdk, report

sdk = make_sdk(sys.argv[1], sys.argv[2])
model = sdk.chat.completions("m")
answers = [ask(model, "bye"), ask(model, "bye streamed", stream=True)]
report(right=answers == ["echo:bye", "echo:bye streamed"])
