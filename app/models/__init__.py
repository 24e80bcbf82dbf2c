"""SQLModel tables. `base` is imported first: it installs the constraint naming convention."""

from app.models import base  # noqa: F401  (must precede the tables)
from app.models.audit import AuditEvent
from app.models.enterprise import Enterprise, Licence, RiskSignal
from app.models.jurisdiction import Jurisdiction
from app.models.token import RefreshToken, RevokedAccessToken
from app.models.user import ServiceAccount, User
from app.models.visit import Visit, VisitInspector

__all__ = [
    "AuditEvent",
    "Enterprise",
    "Jurisdiction",
    "Licence",
    "RiskSignal",
    "RefreshToken",
    "RevokedAccessToken",
    "ServiceAccount",
    "User",
    "Visit",
    "VisitInspector",
]
