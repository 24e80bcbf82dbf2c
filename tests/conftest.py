"""What every test process shares: the change feed's long poll is capped at 1 s (a generated `wait=29` would
outlast a client's timeout in the contract runs; tests/api/test_event_feed.py waits less than that)."""

import os

os.environ.setdefault("EVENT_FEED_MAX_WAIT_SECONDS", "1")
