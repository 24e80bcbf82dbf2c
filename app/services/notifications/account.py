"""Told to the account's owner: it was locked after failed sign-ins (the sign-in answer itself never says so)."""

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.clock import CHINA
from app.domain.reminders import NotificationKind
from app.services.notifications.delivery import Message, deliver


async def notify_account_locked(
    session: AsyncSession, *, user_id: uuid.UUID, county_code: str | None, failures: int, locked_until: datetime
) -> int:
    until = locked_until.astimezone(CHINA)
    message = Message(
        kind=NotificationKind.account_locked,
        county_code=county_code,
        title=f"账户因连续{failures}次登录失败已锁定至 {until:%Y-%m-%d %H:%M}",
        body=(
            f"您的账户因连续{failures}次登录失败，已锁定至 {until:%Y-%m-%d %H:%M}（北京时间）。"
            "如非本人操作，请立即修改密码并告知管理员。"
        ),
        ref_type="user",
        ref_id=user_id,
        link="/api/v1/me",
        dedupe_key=f"account_locked:{locked_until.isoformat()}",
    )
    return await deliver(session, NotificationKind.account_locked, [(user_id, message)], today=until.date())
