"""Events: the outbox the services write to (`emit`, in the change's transaction) and the change feed that
reads it. At commit the outbox also turns each event into a delivery for every webhook subscription that wants
it (app.services.webhooks sends them), so deliveries are ordered the way the commit numbered the events."""

from app.services.events.feed import MAX_WAIT_SECONDS, as_cloud_event, list_events, readable_types
from app.services.events.outbox import DELIVER, emit, install

__all__ = [
    "DELIVER",
    "as_cloud_event",
    "MAX_WAIT_SECONDS",
    "emit",
    "install",
    "list_events",
    "readable_types",
]
