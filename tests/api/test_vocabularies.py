"""The vocabularies of the forms: every code the contract knows, with its Chinese label, for drop-downs."""

from datetime import date
from typing import Any

import pytest

from app.core.deps import local_today
from app.domain.permissions import Role
from app.domain.risk import RiskClass
from tests.builders import as_role

pytestmark = pytest.mark.anyio

VOCABULARIES = "/api/v1/vocabularies"

NOT_FOR_FORMS = {
    "EnterpriseSort": "a list's sort order, not a code any record holds",
    "Restriction": "what a session may still do, answered at sign-in, never chosen in a form",
    "LicencePushResult.outcome": "what one push did to the ledger, read by the licensing system, never by a person",
    "ServiceAccountCreate.scopes": "permissions a machine client is granted, spelt as they are demanded",
    "Problem.code": "an error's code, for programs; worded per language and tabled in docs/errors.md",
    "FieldError.code": "an error item's code, for programs; worded per language and tabled in docs/errors.md",
}
"""Enums of the contract that are no vocabulary, each with the reason."""


async def _vocabularies(client: Any, session: Any) -> dict[str, dict[str, Any]]:
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    response = await client.get(VOCABULARIES, params={"limit": 200}, headers=headers)
    assert response.status_code == 200, response.text
    page = response.json()
    listed = page["items"]
    assert page["has_more"] is False and page["total"] == len(listed)
    assert len({v["name"] for v in listed}) == len(listed)
    return {v["name"]: v for v in listed}


def _enums_of(document: dict[str, Any]) -> dict[str, list[str]]:
    """Every enum of the contract: the named ones (components) and the inline ones, by where they stand."""
    found: dict[str, list[str]] = {}

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            if "enum" in node:
                found[where] = node["enum"]
            for key, value in node.items():
                walk(value, where if key in ("items", "anyOf", "schema") or key.isdigit() else f"{where}.{key}")
        elif isinstance(node, list):
            for value in node:
                walk(value, where)

    for name, schema in document["components"]["schemas"].items():
        if "enum" in schema:
            found[name] = schema["enum"]
        for field, prop in schema.get("properties", {}).items():
            walk(prop, f"{name}.{field}")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                walk(parameter.get("schema", {}), f"{method.upper()} {path} {parameter['name']}")
    return found


async def test_a_signed_in_user_lists_every_vocabulary_with_codes_and_chinese_labels_in_order(client, session):
    vocabularies = await _vocabularies(client, session)
    assert vocabularies["risk_class"] == {
        "name": "risk_class",
        "title": "风险等级",
        "terms": [{"code": c.value, "label": c.label} for c in RiskClass],
    }
    assert vocabularies["risk_class"]["terms"][3] == {"code": "D", "label": "D类（高风险）"}
    assert [t["code"] for t in vocabularies["finding_status"]["terms"]] == [
        "open",
        "rectified",
        "awaiting_case",
        "closed",
    ]
    for name in ("visit_type", "checklist_item", "severity", "key_flag", "role", "finding_step_kind", "plan_status"):
        assert vocabularies[name]["terms"], name
    for vocabulary in vocabularies.values():
        for term in vocabulary["terms"]:
            assert term["code"] and term["label"], (vocabulary["name"], term)


async def test_the_licence_catalogue_and_the_report_periods_are_vocabularies_too(client, session, app):
    app.dependency_overrides[local_today] = lambda: date(2026, 3, 1)
    vocabularies = await _vocabularies(client, session)
    categories = vocabularies["licence_category"]["terms"]
    assert len(categories) == 16 and categories[0] == {"code": "建筑用钢筋", "label": "建筑用钢筋"}
    assert vocabularies["report_period"]["terms"] == [
        {"code": "h1", "label": "6月25日前（上半年累计）"},
        {"code": "h2", "label": "10月30日前（1-10月累计）"},
    ]
    assert {"code": "cn.zhijian.finding.escalated", "label": "问题升级"} in vocabularies["webhook_event_type"]["terms"]


async def test_one_vocabulary_is_read_by_name_and_an_unknown_name_is_a_404_problem(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    one = await client.get(f"{VOCABULARIES}/visit_type", headers=headers)
    assert one.status_code == 200
    assert one.json()["terms"][0] == {"code": "routine_patrol", "label": "日常巡查"}
    missing = await client.get(f"{VOCABULARIES}/no_such_list", headers=headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_nobody_unsigned_reads_the_vocabularies(client):
    assert (await client.get(VOCABULARIES)).status_code == 401
    assert (await client.get(f"{VOCABULARIES}/risk_class")).status_code == 401


async def test_every_enum_of_the_contract_is_a_vocabulary_with_the_same_codes(client, session, app):
    vocabularies = await _vocabularies(client, session)
    code_sets = {frozenset(t["code"] for t in v["terms"]) for v in vocabularies.values()}
    missing = {
        where: codes
        for where, codes in _enums_of(app.openapi()).items()
        if frozenset(codes) not in code_sets and where not in NOT_FOR_FORMS
    }
    assert not missing, f"enums of the contract without a vocabulary: {missing}"


async def test_the_enums_left_out_of_the_vocabularies_are_still_in_the_contract(app):
    enums = _enums_of(app.openapi())
    assert set(NOT_FOR_FORMS) <= set(enums)
