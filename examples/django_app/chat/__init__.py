"""The chat app: views that ask a model through ycloud-chat."""
