# GENERATED from tests/integration/_async/__init__.py by build_tools/unasync.py: DO NOT EDIT.
# Edit the async source and run `nox -s unasync`.
