"""The ycloud-chat benchmark: a loopback server, the clients under test and the report."""
