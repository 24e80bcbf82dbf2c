"""The vocabularies a form offers: every LabelledEnum of the domain's list, the report periods as the year's
RuleSet dates them, the event types a webhook may subscribe to, and the licence catalogue's categories."""

from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.errors import NotFound
from app.domain.calendar import ReportPeriod, period_label
from app.domain.errors import Message
from app.domain.ruleset import ruleset_for
from app.domain.vocabularies import VOCABULARIES
from app.schemas.event import EVENT_TYPES
from app.schemas.vocabulary import Term, VocabularyRead
from app.services.ledger import list_categories


async def list_vocabularies(session: AsyncSession, *, today: date) -> list[VocabularyRead]:
    ruleset = ruleset_for(today.year)
    categories = await list_categories(session)
    return [
        *(_vocabulary(v.name, v.title, v.enum.labels()) for v in VOCABULARIES.values()),
        _vocabulary("report_period", "报送期", [(p.value, period_label(p, ruleset)) for p in ReportPeriod]),
        _vocabulary("webhook_event_type", "事件类型", [(t.name, t.label) for t in EVENT_TYPES.values()]),
        _vocabulary("licence_category", "许可产品类别", [(c.name, c.name) for c in categories]),
    ]


async def get_vocabulary(session: AsyncSession, name: str, *, today: date) -> VocabularyRead:
    found = next((v for v in await list_vocabularies(session, today=today) if v.name == name), None)
    if found is None:
        raise NotFound(Message("no_such_vocabulary", name=name))
    return found


def _vocabulary(name: str, title: str, pairs: list[tuple[str, str]]) -> VocabularyRead:
    return VocabularyRead(name=name, title=title, terms=[Term(code=code, label=label) for code, label in pairs])
