"""Optimistic concurrency for records with a `version`: weak ETags out, If-Match in (412 on a stale one)."""

from app.core.errors import PreconditionFailed
from app.domain.errors import Message


def etag(version: int) -> str:
    return f'W/"{version}"'


def check_if_match(if_match: str | None, version: int) -> None:
    """`If-Match` absent: last write wins. Present: it must name the current version (W/"n", "n" or *)."""
    if if_match is None:
        return
    tags = [t.strip() for t in if_match.split(",")]
    if "*" in tags:
        return
    wanted = {t.removeprefix("W/").strip('"') for t in tags}
    if str(version) not in wanted:
        raise PreconditionFailed(Message("record_changed", version=version, etag=etag(version)))
