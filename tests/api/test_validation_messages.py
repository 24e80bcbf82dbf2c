"""People read these messages: field errors come in Chinese (English when asked), each with its stable code."""

import pytest

from app.domain.permissions import Role
from tests.builders import as_role

pytestmark = pytest.mark.anyio


async def test_a_missing_field_and_a_read_only_field_are_named_in_chinese(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    response = await client.post("/api/v1/users", json={"username": "abc", "id": "x"}, headers=headers)
    assert response.status_code == 422
    messages = {tuple(e["loc"]): e["msg"] for e in response.json()["errors"]}
    codes = {tuple(e["loc"]): e["code"] for e in response.json()["errors"]}
    assert messages[("body", "full_name")] == "必填字段缺失" and codes[("body", "full_name")] == "missing"
    assert messages[("body", "id")].startswith("不允许提交此字段") and codes[("body", "id")] == "extra_forbidden"


async def test_a_bad_date_and_a_bad_choice_say_what_is_expected(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {
        "username": "abcd",
        "full_name": "张三",
        "role": "boss",
        "password": "Strong-Pass-2026",
        "credential_valid_from": "2026-13-01",
    }
    errors = (await client.post("/api/v1/users", json=body, headers=headers)).json()["errors"]
    messages = {tuple(e["loc"]): e["msg"] for e in errors}
    assert messages[("body", "role")].startswith("取值无效，可选：")
    assert "prefecture_admin" in messages[("body", "role")]
    assert messages[("body", "credential_valid_from")].startswith("日期格式应为YYYY-MM-DD")


async def test_our_own_validators_keep_their_chinese_text_without_the_pydantic_prefix(client, session):
    _, headers = await as_role(client, session, Role.SYSTEM_ADMIN)
    body = {
        "username": "abcd",
        "full_name": "张三",
        "role": "county_inspector",
        "county_code": "654201",
        "password": "Strong-Pass-2026",
        "credential_valid_from": "2026-01-01",
        "credential_valid_until": "2025-01-01",
    }
    errors = (await client.post("/api/v1/users", json=body, headers=headers)).json()["errors"]
    assert errors[0]["code"] == "credential_ends_before_starts" and errors[0]["msg"] == "执法证有效期截止日早于起始日"
    english = {"Accept-Language": "en"}
    errors = (await client.post("/api/v1/users", json=body, headers=headers | english)).json()["errors"]
    assert errors[0]["msg"] == "credential_valid_until is before credential_valid_from"
