"""Gather the escalation facts (`RiskFacts`) of many enterprises at once: three set-based queries, never one
query per enterprise, so a 100,000-line plan costs the same handful of round trips as a single line."""

import itertools
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, true
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.domain.frequency import RiskFacts, earliest_relevant_date
from app.domain.ledger import EnterpriseStatus, LicenceStatus, SignalKind
from app.domain.risk import KeyFlag, RiskClass
from app.domain.ruleset import RuleSet
from app.models import Enterprise, Licence, RiskSignal
from app.models.enterprise import PLAN_INPUTS

_FLAG_ORDER = (KeyFlag.industry, KeyFlag.region, KeyFlag.enterprise, KeyFlag.product)
_FLAG_SETS = {
    bits: frozenset(flag for flag, on in zip(_FLAG_ORDER, bits, strict=True) if on)
    for bits in itertools.product((False, True), repeat=len(_FLAG_ORDER))
}
_CLASSES = {c.value: c for c in RiskClass}
_OPERATING = EnterpriseStatus.operating.value
_COMPLAINT, _RISK_ALERT = SignalKind.complaint.value, SignalKind.risk_alert.value
_SAMPLING, _UNLICENSED = SignalKind.sampling.value, SignalKind.unlicensed_production.value
_NO_FACTS = RiskFacts()


@dataclass(frozen=True)
class EnterpriseRisk:
    enterprise_id: uuid.UUID
    county_code: str
    risk_class: RiskClass
    facts: RiskFacts


def _relevant_signal() -> Any:
    """Only signals the escalation rule reads: substantiated complaints, alerts, failed samplings, unlicensed."""
    return or_(
        and_(RiskSignal.kind == SignalKind.complaint.value, col(RiskSignal.substantiated).is_(True)),
        RiskSignal.kind == SignalKind.risk_alert.value,
        and_(RiskSignal.kind == SignalKind.sampling.value, col(RiskSignal.qualified).is_(False)),
        RiskSignal.kind == SignalKind.unlicensed_production.value,
    )


async def gather_risk_facts(
    session: AsyncSession,
    *,
    today: date,
    ruleset: RuleSet,
    enterprise_ids: Sequence[uuid.UUID] | None = None,
    operating_only: bool = True,
    counties: Any = None,
) -> list[EnterpriseRisk]:
    """Facts for every operating enterprise (or the given ones; of the `counties` subquery, e.g. a prefecture's),
    in no particular order.

    A licence counts by its newest expiry per product category, so a renewed licence supersedes the old one;
    revoked and cancelled licences do not count. Signals are read only inside the longest look-back window.
    """
    which = true()
    if operating_only:
        which = and_(which, Enterprise.status == _OPERATING)
    if enterprise_ids is not None:
        which = and_(which, col(Enterprise.id).in_(list(enterprise_ids)))
    if counties is not None:
        which = and_(which, col(Enterprise.county_code).in_(counties))
    connection = await session.connection()  # Core rows: the ORM adds nothing to plain columns, and costs

    enterprises = await connection.execute(
        select(
            Enterprise.id,
            Enterprise.county_code,
            *(getattr(Enterprise, name) for name in PLAN_INPUTS),
        ).where(which)
    )
    enterprise_rows = enterprises.all()

    licence_rows = await connection.execute(
        select(Licence.enterprise_id, Licence.product_category, Licence.expires_on)
        .join(Enterprise, col(Enterprise.id) == Licence.enterprise_id)
        .where(which, col(Licence.status).in_([LicenceStatus.valid.value, LicenceStatus.expired.value]))
    )
    newest: dict[tuple[uuid.UUID, str], date] = {}
    for enterprise_id, category, expires_on in licence_rows.all():
        key = (enterprise_id, category)
        if key not in newest or expires_on > newest[key]:
            newest[key] = expires_on
    expiries: dict[uuid.UUID, list[date]] = defaultdict(list)
    for (enterprise_id, _), expires_on in newest.items():
        expiries[enterprise_id].append(expires_on)

    signal_rows = await connection.execute(
        select(RiskSignal.enterprise_id, RiskSignal.kind, RiskSignal.occurred_on)
        .join(Enterprise, col(Enterprise.id) == RiskSignal.enterprise_id)
        .where(
            which,
            _relevant_signal(),
            col(RiskSignal.occurred_on) >= earliest_relevant_date(today, ruleset),
            col(RiskSignal.occurred_on) <= today,
        )
    )
    signals: dict[uuid.UUID, dict[str, list[date]]] = defaultdict(lambda: defaultdict(list))
    for enterprise_id, kind, occurred_on in signal_rows.all():
        signals[enterprise_id][kind].append(occurred_on)

    result = []
    for enterprise_id, county_code, risk_class, status, *flags in enterprise_rows:
        found = signals.get(enterprise_id)
        expiry = expiries.get(enterprise_id)
        if found is None and expiry is None and status == _OPERATING and not any(flags):
            facts = _NO_FACTS
        else:
            found = found or {}
            facts = RiskFacts(
                substantiated_complaint_dates=tuple(found.get(_COMPLAINT, ())),
                risk_alert_dates=tuple(found.get(_RISK_ALERT, ())),
                failed_sampling_dates=tuple(found.get(_SAMPLING, ())),
                licence_expiry_dates=tuple(expiry or ()),
                operating=status == _OPERATING,
                unlicensed_production_dates=tuple(found.get(_UNLICENSED, ())),
                key_flags=_FLAG_SETS[tuple(flags)],
            )
        result.append(EnterpriseRisk(enterprise_id, county_code, _CLASSES[risk_class], facts))
    return result
