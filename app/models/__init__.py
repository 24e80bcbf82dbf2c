"""SQLModel tables. `base` is imported first: it installs the constraint naming convention."""

from app.models import base  # noqa: F401  (must precede the tables)
from app.models.attachment import Attachment
from app.models.audit import AuditCheckpoint, AuditEvent
from app.models.disclosure import Disclosure, DisclosureEntry
from app.models.enterprise import (
    Enterprise,
    EnterpriseImport,
    ImportHeartbeat,
    ImportUpload,
    Licence,
    LicenceCategory,
    RiskSignal,
)
from app.models.enterprise_account import (
    EnterpriseFile,
    EnterpriseInvitation,
    ExtensionRequest,
    RectificationReport,
    SelfCheck,
)
from app.models.event import Event, WebhookDelivery, WebhookSubscription
from app.models.figures import (
    EnterpriseDayFigure,
    EnterpriseVisitFigure,
    FindingDayFigure,
    FindingFigure,
    PlanCountyFigure,
    PlanLineFigure,
    VisitDayFigure,
)
from app.models.finding import Finding, FindingStep
from app.models.idempotency import IdempotentRequest
from app.models.jurisdiction import Jurisdiction
from app.models.licence_sync import LicenceSyncCursor, LicenceSyncRun
from app.models.notification import Notification
from app.models.plan import Assignment, AssignmentInspector, Draw, DrawPool, Plan, PlanAdjustment, PlanItem
from app.models.publicity import PublicityActivity
from app.models.report import ReportSubmission
from app.models.risk_list import RiskListEntry
from app.models.sampling_followup import SamplingFollowUp, SamplingFollowUpStep
from app.models.token import RefreshToken, RevokedAccessToken
from app.models.two_factor import PasswordHistory, RecoveryCode, TwoFactor
from app.models.user import ServiceAccount, User
from app.models.visit import Visit, VisitAmendment, VisitInspector

__all__ = [
    "EnterpriseFile",
    "EnterpriseInvitation",
    "ExtensionRequest",
    "RectificationReport",
    "SelfCheck",
    "Event",
    "WebhookDelivery",
    "WebhookSubscription",
    "Assignment",
    "AssignmentInspector",
    "Draw",
    "DrawPool",
    "Plan",
    "PlanAdjustment",
    "PlanItem",
    "AuditCheckpoint",
    "AuditEvent",
    "Enterprise",
    "EnterpriseImport",
    "ImportHeartbeat",
    "ImportUpload",
    "IdempotentRequest",
    "Jurisdiction",
    "Licence",
    "LicenceCategory",
    "RiskSignal",
    "RefreshToken",
    "RevokedAccessToken",
    "ServiceAccount",
    "User",
    "Visit",
    "VisitInspector",
    "VisitAmendment",
    "Attachment",
    "Finding",
    "FindingStep",
    "RiskListEntry",
    "ReportSubmission",
    "SamplingFollowUp",
    "SamplingFollowUpStep",
    "Disclosure",
    "DisclosureEntry",
    "PublicityActivity",
    "LicenceSyncCursor",
    "LicenceSyncRun",
    "Notification",
    "EnterpriseDayFigure",
    "EnterpriseVisitFigure",
    "FindingDayFigure",
    "FindingFigure",
    "PlanCountyFigure",
    "PlanLineFigure",
    "VisitDayFigure",
    "PasswordHistory",
    "RecoveryCode",
    "TwoFactor",
]
