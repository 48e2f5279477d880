"""Test setup of the example site: Django settings for these tests only, and a served fake API.

The site's SDKs are made when the views are first imported, from the environment, as in
production; here `YC_BASE_URL` points them at a `FakeChatAPI` served on a loopback port.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator

import django
import pytest

from ycloud_chat.testing import FakeChatAPI

# Django is set up for the tests in this folder only (pytest-django finds no settings for the
# rest of the suite): the settings module is named here, when this folder is collected, and
# not left in the environment, where pytest-xdist's workers would find it before they can
# import it.
_named_here = "DJANGO_SETTINGS_MODULE" not in os.environ
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
django.setup()
if _named_here:
    del os.environ["DJANGO_SETTINGS_MODULE"]


@pytest.fixture(scope="session")
def served_fake() -> Iterator[tuple[FakeChatAPI, str]]:
    """One fake API on a loopback port for the session; the site's sync SDK closes with it."""
    fake = FakeChatAPI()
    with fake.serve() as base_url:
        yield fake, base_url
        llm = sys.modules.get("chat.llm")
        if llm is not None:
            llm.sdk.close()


@pytest.fixture(autouse=True)
def fake(served_fake: tuple[FakeChatAPI, str], monkeypatch: pytest.MonkeyPatch) -> FakeChatAPI:
    """The served fake, emptied for each test, with the site's environment pointing at it."""
    api, base_url = served_fake
    monkeypatch.setenv("YC_BASE_URL", base_url)
    monkeypatch.setenv("YC_FOLDER_ID", "b1g-site-folder")
    api.reset()
    return api


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    """Django's async stack (asgiref) runs on asyncio only."""
    return "asyncio"
