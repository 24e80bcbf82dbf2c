"""A webhook subscription disabled after its deliveries kept failing: its owner hears of it in the inbox."""

import uuid
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.reminders import NotificationKind
from app.services.notifications.delivery import Message, deliver


async def send_webhook_disabled(
    session: AsyncSession,
    *,
    user_id: uuid.UUID,
    county_code: str | None,
    subscription_id: uuid.UUID,
    url: str,
    reason: str,
    today: date,
) -> int:
    kind = NotificationKind.webhook_disabled
    message = Message(
        kind=kind,
        county_code=county_code,
        title=f"Webhook 推送已停用：{url}",
        body=f"推送连续失败，已停用该订阅。原因：{reason}。修复接收端后可重新启用：PATCH is_active=true。",
        ref_type="webhook_subscription",
        ref_id=subscription_id,
        link=f"/api/v1/webhook-subscriptions/{subscription_id}",
        dedupe_key=f"webhook_disabled:{subscription_id}:{uuid.uuid4().hex}",
    )
    return await deliver(session, kind, [(user_id, message)], today=today)
