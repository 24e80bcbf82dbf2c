"""Webhooks: integrators' subscriptions, and the signed deliveries the outbox fans events out to."""

from app.services.webhooks.delivery import RETRY, DeliveryFailed, attempt, run_delivery, signed_headers
from app.services.webhooks.subscriptions import (
    create_subscription,
    delete_subscription,
    get_subscription,
    list_deliveries,
    list_subscriptions,
    retry_delivery,
    send_test,
    update_subscription,
)

__all__ = [
    "RETRY",
    "DeliveryFailed",
    "attempt",
    "create_subscription",
    "delete_subscription",
    "get_subscription",
    "list_deliveries",
    "list_subscriptions",
    "retry_delivery",
    "run_delivery",
    "send_test",
    "signed_headers",
    "update_subscription",
]
