"""``tidings-bench``: measures a real server process against the machine's own ZeroMQ limit."""
