"""The async face: the source the sync face is generated from."""
