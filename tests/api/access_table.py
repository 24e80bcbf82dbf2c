"""The access matrix as data: per operation (method, path) the permission it needs, which records its path (or
body) points at, and a body that passes validation so the jurisdiction check is really reached.

tests/api/test_access_matrix.py derives every cell's expected outcome from this table and the roles in
app/domain/permissions.py; a route missing here (or an entry without a route) fails that test.

Record kinds live in tests/api/record_factories.py (`World.records[kind][county]`, `World.shared[kind]`).
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from app.core.clock import today_in_china
from app.domain.permissions import Permission as P
from tests.builders import PASSWORD, new_credit_code, visit_body

PUBLIC = "public"  # no sign-in at all
SIGNED_IN = "signed_in"  # any signed-in caller, no permission

# path parameter -> the record kind it names (an entry's `ids` overrides it); "kind.attr" reads an attribute
PARAMS = {
    "enterprise_id": "enterprise",
    "licence_id": "licence",
    "licence_no": "licence.licence_no",
    "visit_id": "visit",
    "attachment_id": "attachment",
    "finding_id": "finding",
    "entry_id": "risk_entry",
    "plan_id": "plan",
    "item_id": "plan_item",
    "draw_id": "draw",
    "pool_id": "draw_pool",
    "import_id": "import",
    "report_id": "report",
    "follow_up_id": "follow_up",
    "user_id": "user",
    "account_id": "service_account",
    "disclosure_id": "disclosure",
    "notification_id": "notification",
    "subscription_id": "webhook_subscription",
    "delivery_id": "webhook_delivery",
    "name": "vocabulary",
    "file_id": "enterprise_file",
    "rectification_report_id": "rectification_report",
    "extension_request_id": "extension_request",
}
SHARED_KINDS = frozenset(
    {"plan", "disclosure", "service_account", "vocabulary"}
)  # prefecture-wide: no county to be out of

Body = Callable[[Any, str], Any]  # (world, county) -> JSON body


def _today(days: int = 0) -> str:
    return (today_in_china() + timedelta(days=days)).isoformat()


def _uniq(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def _licence_no() -> str:
    return f"新XK08-001-{uuid.uuid4().int % 10**5:05d}"


@dataclass(frozen=True)
class Op:
    perm: P | str  # a Permission, PUBLIC or SIGNED_IN
    body: Body | None = None  # JSON body for (world, county)
    form: Body | None = None  # form fields instead of JSON
    files: Body | None = None  # multipart files
    ids: dict[str, str] = field(default_factory=dict)  # path param -> record kind, overriding PARAMS
    body_county: bool = False  # the body names a county's record: run for ours and for another county's
    other: tuple[int, ...] = (404,)  # what a county-bound caller gets for another county's record
    mutates: bool | None = None  # default: every method but GET
    fresh_token: bool = False  # the call ends the caller's session (logout): a throwaway token per cell
    also_allowed: tuple[int, ...] = ()  # statuses that count as "let in" here (e.g. 401 for a bogus refresh token)
    service_status: int | None = None  # what a signed-in service account gets, when not decided by scope
    why: str = ""


def _visit(world: Any, county: str) -> dict[str, Any]:
    return visit_body(world.records["enterprise"][county], world.records["inspectors"][county])


def _licence_row(world: Any, county: str) -> dict[str, Any]:
    return {
        "licence_no": world.records["licence"][county].licence_no,
        "credit_code": world.records["enterprise"][county].credit_code,
        "product_category": "水泥",
        "expires_on": "2029-12-31",
    }


_CREATED = "cn.zhijian.enterprise.created"
OWNED_WHY = (
    "a subscription is its owner's: another owner's is 404 to every caller, whatever the county (the 塔城市 one is "
    "the scoped service key's; ownership in test_webhooks.py)"
)

ENTERPRISE_WHY = (
    "an enterprise account's own: in the callers' county the record is its enterprise's; another county's (and "
    "another enterprise's of the same county, test_enterprise_accounts.py) is not found"
)

TABLE: dict[tuple[str, str], Op] = {
    # --- the enterprise's side (issue 18) -------------------------------------------------------------------------
    ("POST", "/api/v1/enterprises/{enterprise_id}/invitations"): Op(P.ENTERPRISE_ACCOUNTS_INVITE),
    ("POST", "/api/v1/auth/invitations/accept"): Op(
        PUBLIC,
        body=lambda w, c: {
            "code": "not-a-real-invitation-code",
            "username": _uniq("ent_"),
            "full_name": "企业",
            "password": "Correct-Horse-Battery-12!",
        },
        mutates=False,
        also_allowed=(422,),
        why="the credential is the code in the body: a bogus one is 422 for everyone (test_enterprise_accounts.py)",
    ),  # fmt: skip
    ("GET", "/api/v1/portal/enterprise"): Op(P.OWN_ENTERPRISE_READ),
    ("GET", "/api/v1/portal/visits"): Op(P.OWN_ENTERPRISE_READ),
    ("GET", "/api/v1/portal/findings"): Op(P.OWN_ENTERPRISE_READ),
    ("GET", "/api/v1/portal/findings/{finding_id}"): Op(P.OWN_ENTERPRISE_READ, why=ENTERPRISE_WHY),
    ("GET", "/api/v1/portal/self-checks"): Op(P.OWN_ENTERPRISE_READ),
    ("POST", "/api/v1/portal/self-checks"): Op(
        P.OWN_ENTERPRISE_WRITE,
        body=lambda w, c: {"day": _today(), "form": {"kind": "daily", "controls_checked": True, "hazards_found": 0}},
    ),
    ("POST", "/api/v1/portal/files"): Op(
        P.OWN_ENTERPRISE_WRITE,
        files=lambda w, c: {"file": ("photo.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 64, "image/jpeg")},
    ),
    ("GET", "/api/v1/portal/files/{file_id}"): Op(P.OWN_ENTERPRISE_READ, why=ENTERPRISE_WHY),
    ("GET", "/api/v1/enterprise-files/{file_id}"): Op(P.VISITS_READ),
    ("POST", "/api/v1/findings/{finding_id}/rectification-reports"): Op(
        P.OWN_ENTERPRISE_WRITE, body=lambda w, c: {"text": "已整改完毕", "file_ids": []}, why=ENTERPRISE_WHY
    ),
    ("GET", "/api/v1/findings/{finding_id}/rectification-reports"): Op(P.VISITS_READ),
    ("POST", "/api/v1/rectification-reports/{rectification_report_id}/accept"): Op(P.FINDINGS_WRITE),
    ("POST", "/api/v1/rectification-reports/{rectification_report_id}/return"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"reason": "照片不清晰"}
    ),
    ("POST", "/api/v1/findings/{finding_id}/extension-requests"): Op(
        P.OWN_ENTERPRISE_WRITE, body=lambda w, c: {"days": 5, "reason": "设备待到货"}, why=ENTERPRISE_WHY
    ),
    ("GET", "/api/v1/extension-requests"): Op(P.VISITS_READ),
    ("POST", "/api/v1/extension-requests/{extension_request_id}/grant"): Op(P.FINDINGS_WRITE),
    ("POST", "/api/v1/extension-requests/{extension_request_id}/refuse"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"reason": "理由不充分"}
    ),
    ("GET", "/api/v1/self-check-compliance"): Op(P.ENTERPRISES_READ),
    # --- operations -------------------------------------------------------------------------------------------
    ("GET", "/healthz"): Op(PUBLIC),
    ("GET", "/readyz"): Op(PUBLIC),
    ("GET", "/docs"): Op(PUBLIC),
    ("GET", "/docs/oauth2-redirect"): Op(PUBLIC),
    ("GET", "/api/v1/public/inspection-results"): Op(PUBLIC),
    # --- auth ---------------------------------------------------------------------------------------------------
    ("POST", "/api/v1/auth/token"): Op(
        PUBLIC,
        form=lambda w, c: {"username": w.users["prefecture_viewer"].username, "password": PASSWORD},
        mutates=False,
        why="signing in is how a session starts",
    ),
    ("POST", "/api/v1/auth/refresh"): Op(
        PUBLIC,
        body=lambda w, c: {"refresh_token": "not-a-real-refresh-token-0123456789"},
        mutates=False,
        also_allowed=(401,),
        why="the credential is the body: a bogus one is 401 for everyone (rotation is in test_auth.py)",
    ),
    ("POST", "/api/v1/auth/logout"): Op(SIGNED_IN, mutates=False, fresh_token=True, why="ends one's own session"),
    ("GET", "/api/v1/me"): Op(SIGNED_IN, service_status=401, why="a service account has no profile"),
    ("POST", "/api/v1/me/password"): Op(SIGNED_IN, body=lambda w, c: {}, mutates=False, why="one's own password"),
    ("POST", "/api/v1/me/two-factor"): Op(
        SIGNED_IN,
        mutates=False,
        service_status=401,
        why="one's own authenticator, not a record of the bureau; a service account signs in with its key",
    ),
    ("POST", "/api/v1/me/two-factor/confirm"): Op(
        SIGNED_IN,
        body=lambda w, c: {"code": "000000"},
        mutates=False,
        service_status=401,
        why="confirms one's own authenticator (a made-up code is 422 to everyone; the flow is in test_two_factor.py)",
    ),
    ("GET", "/api/v1/me/notifications"): Op(P.NOTIFICATIONS_READ),
    ("POST", "/api/v1/me/notifications/read-all"): Op(
        P.NOTIFICATIONS_READ, mutates=False, why="marks one's own inbox read: no record of the bureau changes"
    ),
    ("POST", "/api/v1/me/notifications/{notification_id}/read"): Op(
        P.NOTIFICATIONS_READ,
        mutates=False,
        also_allowed=(404,),
        why="one's own inbox, no record of the bureau changes; the inbox is the recipient's, so a notification of "
        "another user is 404 to every caller, whatever the county (the 塔城市 one is the county admin's: 200 there; "
        "ownership in test_notifications.py)",
    ),
    # --- users and service accounts ---------------------------------------------------------------------------
    ("GET", "/api/v1/users"): Op(P.USERS_READ),
    ("POST", "/api/v1/users"): Op(
        P.USERS_WRITE,
        body=lambda w, c: {
            "username": _uniq("new_"),
            "full_name": "新执法人员",
            "role": "county_inspector",
            "county_code": c,
            "password": "Correct-Horse-10!",
        },
        body_county=True,
        why="a county admin creates inspectors of their own county only: another county is not found",
    ),
    ("GET", "/api/v1/users/{user_id}"): Op(P.USERS_READ),
    ("GET", "/api/v1/inspectors"): Op(P.INSPECTORS_READ),
    ("PATCH", "/api/v1/users/{user_id}"): Op(P.USERS_WRITE, body=lambda w, c: {"phone": "0901-6220000"}),
    ("POST", "/api/v1/users/{user_id}/password"): Op(
        P.USERS_WRITE, body=lambda w, c: {"new_password": "Brand-New-Pass-42!"}
    ),
    ("PUT", "/api/v1/users/{user_id}/role"): Op(
        P.USERS_SECURITY,
        body=lambda w, c: {"role": "county_inspector", "county_code": c},
        why="the inspector keeps its role: any cell may run first (moving roles is in test_duties.py)",
    ),
    ("POST", "/api/v1/users/{user_id}/unlock"): Op(P.USERS_SECURITY),
    ("DELETE", "/api/v1/users/{user_id}/two-factor"): Op(P.USERS_SECURITY),
    ("GET", "/api/v1/service-accounts"): Op(P.SERVICE_ACCOUNTS_WRITE),
    ("POST", "/api/v1/service-accounts"): Op(
        P.SERVICE_ACCOUNTS_WRITE, body=lambda w, c: {"name": _uniq("svc_"), "scopes": ["enterprises:read"]}
    ),
    ("POST", "/api/v1/service-accounts/{account_id}/revoke"): Op(P.SERVICE_ACCOUNTS_WRITE),
    ("GET", "/api/v1/jurisdictions"): Op(P.JURISDICTIONS_READ),
    ("GET", "/api/v1/audit-events"): Op(P.AUDIT_READ),
    ("GET", "/api/v1/audit-events/verify"): Op(P.AUDIT_READ),
    ("GET", "/api/v1/audit-events/checkpoints"): Op(P.AUDIT_READ),
    ("GET", "/api/v1/audit-events/export"): Op(P.AUDIT_READ),
    # --- enterprises, licences, signals, imports ---------------------------------------------------------------
    ("GET", "/api/v1/enterprises"): Op(P.ENTERPRISES_READ),
    ("POST", "/api/v1/enterprises"): Op(
        P.ENTERPRISES_WRITE,
        body=lambda w, c: {"credit_code": new_credit_code(), "name": _uniq("新企业"), "county_code": c},
        body_county=True,
        why="county users put enterprises on their own county's ledger only: another county is not found",
    ),
    ("GET", "/api/v1/enterprises/export"): Op(P.ENTERPRISES_READ),
    ("GET", "/api/v1/enterprises/import-template"): Op(P.ENTERPRISES_READ),
    ("GET", "/api/v1/enterprises/{enterprise_id}"): Op(P.ENTERPRISES_READ),
    ("PATCH", "/api/v1/enterprises/{enterprise_id}"): Op(
        P.ENTERPRISES_WRITE, body=lambda w, c: {"address": _uniq("新地址")}
    ),
    ("GET", "/api/v1/enterprises/{enterprise_id}/history"): Op(P.ENTERPRISES_READ),
    ("GET", "/api/v1/enterprises/{enterprise_id}/timeline"): Op(P.VISITS_READ),
    ("GET", "/api/v1/enterprises/{enterprise_id}/licences"): Op(P.ENTERPRISES_READ),
    ("POST", "/api/v1/enterprises/{enterprise_id}/licences"): Op(
        P.LICENCES_WRITE,
        body=lambda w, c: {"licence_no": _licence_no(), "product_category": "水泥", "expires_on": "2029-12-31"},
    ),
    ("GET", "/api/v1/enterprises/{enterprise_id}/signals"): Op(P.ENTERPRISES_READ),
    ("POST", "/api/v1/enterprises/{enterprise_id}/signals"): Op(
        P.SIGNALS_WRITE,
        body=lambda w, c: {"kind": "complaint", "occurred_on": _today(-1), "source": "12315", "substantiated": True},
    ),
    ("GET", "/api/v1/licence-categories"): Op(P.ENTERPRISES_READ),
    ("GET", "/api/v1/vocabularies"): Op(SIGNED_IN),
    ("GET", "/api/v1/vocabularies/{name}"): Op(SIGNED_IN, other=(200,)),  # reference data, the same in every prefecture
    ("GET", "/api/v1/licences/{licence_id}"): Op(P.ENTERPRISES_READ),
    ("GET", "/api/v1/licences/by-number/{licence_no}"): Op(P.ENTERPRISES_READ),
    ("PATCH", "/api/v1/licences/{licence_id}"): Op(P.LICENCES_WRITE, body=lambda w, c: {"expires_on": "2029-12-31"}),
    ("PUT", "/api/v1/licences/by-number/{licence_no}"): Op(
        P.LICENCES_WRITE,
        body=lambda w, c: {k: v for k, v in _licence_row(w, c).items() if k != "licence_no"},
        other=(422,),
        why="upsert by number: another county's holder reads as an unknown credit code (422), never 'exists'",
    ),
    ("POST", "/api/v1/licences/sync"): Op(
        P.LICENCES_WRITE,
        body=lambda w, c: {"rows": [_licence_row(w, c)]},
        body_county=True,
        other=(422,),
        why="batch upsert: another county's holder reads as an unknown credit code (422)",
    ),
    ("GET", "/api/v1/licence-sync-runs"): Op(P.LICENCE_SYNC_READ),
    ("GET", "/api/v1/ledger/completeness"): Op(P.ENTERPRISES_READ),
    ("POST", "/api/v1/enterprise-imports"): Op(
        P.ENTERPRISES_IMPORT,
        body=lambda w, c: [{"credit_code": new_credit_code(), "name": _uniq("导入企业"), "county_code": c}],
        body_county=True,
        other=(422,),
        why="a row of another county is a row error (422, nothing written)",
    ),
    ("GET", "/api/v1/enterprise-imports/{import_id}"): Op(P.ENTERPRISES_IMPORT),
    ("GET", "/api/v1/enterprise-imports/{import_id}/errors"): Op(P.ENTERPRISES_IMPORT),
    ("POST", "/api/v1/enterprise-imports/{import_id}/cancel"): Op(
        P.ENTERPRISES_IMPORT,
        also_allowed=(409,),
        why="the world's import has finished: 409 for whoever may see it, 404 for the other county",
    ),
    # --- visits, attachments, findings, risk list, sampling ----------------------------------------------------
    ("GET", "/api/v1/visits"): Op(P.VISITS_READ),
    ("POST", "/api/v1/visits"): Op(P.VISITS_WRITE, body=_visit, body_county=True),
    ("GET", "/api/v1/visits/{visit_id}"): Op(P.VISITS_READ),
    ("PATCH", "/api/v1/visits/{visit_id}"): Op(
        P.VISITS_WRITE, body=lambda w, c: {"notes": _uniq("备注")}, ids={"visit_id": "visit_draft"}
    ),
    ("DELETE", "/api/v1/visits/{visit_id}"): Op(
        P.VISITS_WRITE,
        ids={"visit_id": "spare_visit_draft"},
        also_allowed=(403, 404),
        why="a draft is deleted once, by its author (here the county admin) or its county's admin: the inspector "
        "who sees it but did not write it is 403, a later cell finds it gone (404); the rule in test_visit_deletion.py",
    ),
    ("POST", "/api/v1/visits/{visit_id}/submit"): Op(P.VISITS_WRITE, ids={"visit_id": "visit_draft"}),
    ("POST", "/api/v1/visits/{visit_id}/amendments"): Op(
        P.VISITS_WRITE, body=lambda w, c: {"reason": "笔误更正", "notes": _uniq("更正")}
    ),
    ("GET", "/api/v1/visits/{visit_id}/record-form"): Op(P.VISITS_READ),
    ("GET", "/api/v1/visits/{visit_id}/attachments"): Op(P.VISITS_READ),
    ("POST", "/api/v1/visits/{visit_id}/attachments"): Op(
        P.VISITS_WRITE, files=lambda w, c: {"file": ("photo.png", _png(), "image/png")}
    ),
    ("GET", "/api/v1/attachments/{attachment_id}"): Op(P.VISITS_READ),
    ("POST", "/api/v1/visits/{visit_id}/findings"): Op(P.FINDINGS_WRITE, body=lambda w, c: {"description": "新问题"}),
    ("GET", "/api/v1/findings"): Op(P.VISITS_READ),
    ("GET", "/api/v1/findings/{finding_id}"): Op(P.VISITS_READ),
    ("POST", "/api/v1/findings/{finding_id}/extension"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"days": 10, "reason": "企业申请延期"}
    ),
    ("POST", "/api/v1/findings/{finding_id}/rectification"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"text": "已按要求整改"}
    ),
    ("POST", "/api/v1/findings/{finding_id}/reinspection"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"visit_id": w.records["visit"][c], "result": "pass"}
    ),
    ("POST", "/api/v1/findings/{finding_id}/refusal"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"refused_on": _today(), "note": "企业负责人拒绝签收整改通知书"}
    ),
    ("POST", "/api/v1/findings/{finding_id}/case"): Op(
        P.FINDINGS_WRITE, body=lambda w, c: {"case_no": _uniq("塔市监立"), "filed_on": _today(), "officer": "王五"}
    ),
    ("GET", "/api/v1/risk-list"): Op(P.VISITS_READ),
    ("POST", "/api/v1/risk-list"): Op(
        P.FINDINGS_WRITE,
        body=lambda w, c: {"enterprise_id": str(w.records["enterprise"][c].id), "problem": "突出问题"},
        body_county=True,
    ),
    ("GET", "/api/v1/risk-list/{entry_id}"): Op(P.VISITS_READ),
    ("PATCH", "/api/v1/risk-list/{entry_id}"): Op(P.FINDINGS_WRITE, body=lambda w, c: {"measures": "整治措施"}),
    ("POST", "/api/v1/risk-list/{entry_id}/review"): Op(P.RISK_LIST_REVIEW, body=lambda w, c: {"note": "已审阅"}),
    ("GET", "/api/v1/sampling-follow-ups"): Op(P.VISITS_READ),
    ("GET", "/api/v1/sampling-follow-ups/{follow_up_id}"): Op(P.VISITS_READ),
    ("PATCH", "/api/v1/sampling-follow-ups/{follow_up_id}"): Op(
        P.SIGNALS_WRITE, body=lambda w, c: {"origin": "local", "reason": "经核实为本级监督抽查"}
    ),
    ("POST", "/api/v1/sampling-follow-ups/{follow_up_id}/steps"): Op(
        P.SIGNALS_WRITE, body=lambda w, c: {"kind": "notified", "on": _today()}
    ),
    # --- plans and draws --------------------------------------------------------------------------------------
    ("GET", "/api/v1/plans"): Op(P.PLANS_READ),
    ("POST", "/api/v1/plans"): Op(P.PLANS_MANAGE, body=lambda w, c: {"year": today_in_china().year + 1}),
    ("GET", "/api/v1/plans/{plan_id}"): Op(P.PLANS_READ),
    ("POST", "/api/v1/plans/{plan_id}/refresh"): Op(P.PLANS_MANAGE),
    ("POST", "/api/v1/plans/{plan_id}/issue"): Op(P.PLANS_MANAGE),
    ("GET", "/api/v1/plans/{plan_id}/progress"): Op(P.PLANS_READ),
    ("GET", "/api/v1/plans/{plan_id}/export"): Op(P.PLANS_READ),
    ("GET", "/api/v1/plans/{plan_id}/items"): Op(P.PLANS_READ),
    ("POST", "/api/v1/plans/{plan_id}/items"): Op(
        P.PLANS_ADJUST,
        body=lambda w, c: {"enterprise_id": str(w.records["spare_enterprise"][c].id), "reason": "新投产企业"},
        body_county=True,
    ),
    ("GET", "/api/v1/plans/{plan_id}/items/{item_id}"): Op(P.PLANS_READ),
    ("PATCH", "/api/v1/plans/{plan_id}/items/{item_id}"): Op(
        P.PLANS_ADJUST, body=lambda w, c: {"required_visits": 4, "reason": "投诉较多，提高频次"}
    ),
    ("POST", "/api/v1/plans/{plan_id}/draws"): Op(
        P.PLANS_ADJUST,
        body=lambda w, c: {"county_code": c, "count": 1, "due_from": _today(), "due_until": _today(20)},
        body_county=True,
        other=(404,),
        why="a county draws in its own county only: another county is not found",
    ),
    ("GET", "/api/v1/enterprises/{enterprise_id}/class-suggestion"): Op(P.PLANS_READ),
    ("GET", "/api/v1/plans/{plan_id}/class-suggestions"): Op(P.PLANS_READ),
    ("POST", "/api/v1/plans/{plan_id}/class-suggestions/accept"): Op(
        P.PLANS_MANAGE,
        body=lambda w, c: {"items": [{"enterprise_id": str(w.records["enterprise"][c].id)}]},
        why="the prefecture decides next year's classes; the current year is not over yet: 409",
    ),
    ("POST", "/api/v1/plans/{plan_id}/draw-pools"): Op(
        P.PLANS_ADJUST,
        body=lambda w, c: {"county_code": c, "count": 1, "due_from": _today(), "due_until": _today(20)},
        body_county=True,
        other=(404,),
        why="a county freezes a pool of its own county only: another county is not found",
    ),
    ("GET", "/api/v1/draw-pools/{pool_id}"): Op(P.PLANS_READ),
    ("POST", "/api/v1/draw-pools/{pool_id}/draw"): Op(P.PLANS_ADJUST, body=lambda w, c: {}),
    ("GET", "/api/v1/draws/{draw_id}"): Op(P.PLANS_READ),
    ("POST", "/api/v1/draws/{draw_id}/verify"): Op(P.PLANS_READ, mutates=False, why="re-runs the draw, writes nothing"),
    # --- reports, disclosure, publicity -----------------------------------------------------------------------
    ("GET", "/api/v1/reports"): Op(P.REPORTS_READ),
    ("POST", "/api/v1/reports"): Op(
        P.REPORTS_SUBMIT,
        body=lambda w, c: {"year": today_in_china().year, "period": "h2", "county_code": c},
        body_county=True,
        other=(404,),
        why="a county reports for itself only",
    ),
    ("GET", "/api/v1/reports/summary"): Op(P.REPORTS_READ),
    ("GET", "/api/v1/reports/region-summary"): Op(P.REPORTS_READ),
    ("GET", "/api/v1/reports/region-summary/export"): Op(P.REPORTS_READ),
    ("GET", "/api/v1/reports/export"): Op(P.REPORTS_READ),
    ("GET", "/api/v1/reports/{report_id}"): Op(P.REPORTS_READ),
    ("GET", "/api/v1/disclosures"): Op(P.REPORTS_READ),
    ("POST", "/api/v1/disclosures"): Op(
        P.DISCLOSURES_PUBLISH,
        body=lambda w, c: {"year": today_in_china().year, "period": "h1", "review_note": "已审核"},
    ),
    ("GET", "/api/v1/disclosures/{disclosure_id}"): Op(P.REPORTS_READ),
    ("POST", "/api/v1/disclosures/{disclosure_id}/withdraw"): Op(
        P.DISCLOSURES_PUBLISH, body=lambda w, c: {"reason": "复核中", "entry_ids": []}
    ),
    ("GET", "/api/v1/publicity-activities"): Op(P.REPORTS_READ),
    ("POST", "/api/v1/publicity-activities"): Op(
        P.PUBLICITY_WRITE,
        body=lambda w, c: {"campaign": "quality_month", "title": "质量月宣传", "held_on": _today(-2), "county_code": c},
        body_county=True,
        other=(404,),
        why="a county records its own activities only",
    ),
    # --- change feed and webhooks -------------------------------------------------------------------------------
    ("GET", "/api/v1/events"): Op(
        P.ENTERPRISES_READ,
        why="whoever reads a business record reads the feed, filtered by county and type (test_event_feed.py); "
        "the administrators of 三权分立 read none",
    ),
    ("GET", "/api/v1/webhook-subscriptions"): Op(P.WEBHOOKS_MANAGE),
    ("POST", "/api/v1/webhook-subscriptions"): Op(
        P.WEBHOOKS_MANAGE,
        body=lambda w, c: {
            "url": "https://hooks.example.com/zhijian",
            "event_types": ["cn.zhijian.enterprise.created"],
        },
    ),
    ("GET", "/api/v1/webhook-subscriptions/{subscription_id}"): Op(
        P.WEBHOOKS_MANAGE,
        also_allowed=(404,),
        why=OWNED_WHY,
    ),
    ("PATCH", "/api/v1/webhook-subscriptions/{subscription_id}"): Op(
        P.WEBHOOKS_MANAGE,
        body=lambda w, c: {"description": "矩阵"},
        also_allowed=(404,),
        why=OWNED_WHY,
    ),
    ("DELETE", "/api/v1/webhook-subscriptions/{subscription_id}"): Op(
        P.WEBHOOKS_MANAGE,
        ids={"subscription_id": "spare_webhook_subscription"},
        also_allowed=(404,),
        why=OWNED_WHY,
    ),
    ("POST", "/api/v1/webhook-subscriptions/{subscription_id}/test"): Op(
        P.WEBHOOKS_MANAGE,
        also_allowed=(404,),
        why=OWNED_WHY,
    ),
    ("GET", "/api/v1/webhook-subscriptions/{subscription_id}/deliveries"): Op(
        P.WEBHOOKS_MANAGE,
        also_allowed=(404,),
        why=OWNED_WHY,
    ),
    ("POST", "/api/v1/webhook-subscriptions/deliveries/{delivery_id}/retry"): Op(
        P.WEBHOOKS_MANAGE,
        also_allowed=(404,),
        why=OWNED_WHY,
    ),
}

# query strings some list/read operations require (not access-related)
QUERY: dict[tuple[str, str], dict[str, Any]] = {
    ("GET", "/api/v1/reports"): {"year": today_in_china().year},
    ("GET", "/api/v1/reports/summary"): {"year": today_in_china().year},
    ("GET", "/api/v1/reports/export"): {"year": today_in_china().year, "period": "h1"},
    ("GET", "/api/v1/reports/region-summary"): {"year": today_in_china().year, "period": "h1"},
    ("GET", "/api/v1/reports/region-summary/export"): {"year": today_in_china().year, "period": "h1"},
    ("GET", "/api/v1/audit-events/export"): {"since": _today(-7), "until": _today(1)},
    ("GET", "/api/v1/self-check-compliance"): {"month": today_in_china().strftime("%Y-%m")},
}


def _png() -> bytes:
    from tests.api.record_factories import PNG

    return PNG
