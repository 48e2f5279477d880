"""The transport's settings: one frozen object per SDK, that `with_options` copies with changes."""

from __future__ import annotations

import dataclasses

import pytest

from tests.helpers import SECRET
from ycloud_chat import ChatSDK
from ycloud_chat._settings import TransportSettings


def make_sdk() -> ChatSDK:
    return ChatSDK("folder1", SECRET, base_url="https://127.0.0.1:9/v1", max_retries=2)


def test_the_settings_cannot_be_changed_in_place() -> None:
    settings = make_sdk()._transport.settings
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.max_retries = 5  # type: ignore[misc]
    assert not hasattr(settings, "__dict__")


def test_with_options_gives_the_copy_new_settings_and_leaves_the_original_alone() -> None:
    sdk = make_sdk()
    before = sdk._transport.settings
    copy = sdk.with_options(max_retries=7, default_headers={"X-Team": "a"}, folder_id="folder2")
    after = copy._transport.settings
    assert sdk._transport.settings is before
    assert (before.max_retries, before.folder_id, dict(before.default_headers)) == (
        2,
        "folder1",
        {},
    )
    assert (after.max_retries, after.folder_id, dict(after.default_headers)) == (
        7,
        "folder2",
        {"X-Team": "a"},
    )
    assert after == dataclasses.replace(
        before, max_retries=7, folder_id="folder2", default_headers={"X-Team": "a"}
    )


def test_the_settings_repr_shows_no_secret_and_no_header() -> None:
    sdk = ChatSDK("folder1", SECRET, base_url="https://127.0.0.1:9/v1")
    settings = sdk.with_options(default_headers={"X-Token": "hidden-value"})._transport.settings
    assert isinstance(settings, TransportSettings)
    assert SECRET not in repr(settings)
    assert "hidden-value" not in repr(settings)
    assert "max_retries=" in repr(settings)
