"""The vocabularies of the forms: codes with their Chinese labels, for drop-downs."""

from fastapi import APIRouter

from app.core.db import SessionDep
from app.core.deps import CurrentActor, Today
from app.core.errors import COMMON_ERRORS
from app.core.paging import OffsetPaging, Window
from app.schemas.common import Page
from app.schemas.vocabulary import VocabularyRead
from app.services import vocabularies as service

router = APIRouter(prefix="/api/v1/vocabularies", tags=["vocabularies"])


@router.get("", response_model=Page[VocabularyRead], responses=COMMON_ERRORS)
async def list_vocabularies(
    actor: CurrentActor, session: SessionDep, today: Today, page: OffsetPaging
) -> Page[VocabularyRead]:
    """Every vocabulary: each code the API uses with its Chinese label, in the order a drop-down shows them."""
    return Page.of(Window.cut(await service.list_vocabularies(session, today=today), page), page)


@router.get("/{name}", response_model=VocabularyRead, responses=COMMON_ERRORS)
async def get_vocabulary(name: str, actor: CurrentActor, session: SessionDep, today: Today) -> VocabularyRead:
    """One vocabulary by name (e.g. risk_class, visit_type, finding_status)."""
    return await service.get_vocabulary(session, name, today=today)
