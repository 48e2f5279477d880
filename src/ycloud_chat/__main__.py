"""`python -m ycloud_chat`: the same as the `ycloud-chat` command."""

from ._cli import main

raise SystemExit(main())
