# GENERATED from src/ycloud_chat/_async/__init__.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
"""The sync face: plain blocking code, generated from the async source."""
