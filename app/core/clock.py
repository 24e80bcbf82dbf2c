"""The one clock: local days in China (UTC+8, no daylight saving; also the official time in 新疆)."""

from datetime import UTC, date, datetime, timedelta, timezone

from app.models.base import utcnow

CHINA = timezone(timedelta(hours=8), "CST")


__all__ = ["CHINA", "today_in_china", "utcnow"]


def today_in_china() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()
