"""The one clock: local days in China (UTC+8, no daylight saving; also the official time in 新疆)."""

from datetime import UTC, date, datetime, timedelta, timezone

CHINA = timezone(timedelta(hours=8), "CST")


def today_in_china() -> date:
    return datetime.now(UTC).astimezone(CHINA).date()
