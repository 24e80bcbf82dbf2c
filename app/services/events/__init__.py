"""Events: the outbox the services write to (`emit`, in the change's transaction) and the change feed that
reads it. Webhooks (app.services.webhooks) read the same events; nothing here knows who listens."""

from app.services.events.feed import MAX_WAIT_SECONDS, FeedPage, list_events, readable_types
from app.services.events.outbox import DELIVER, emit, install

__all__ = ["DELIVER", "MAX_WAIT_SECONDS", "FeedPage", "emit", "install", "list_events", "readable_types"]
