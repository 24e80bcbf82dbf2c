"""The contract speaks to its readers and states what the server enforces: Chinese summaries and tag
descriptions, an example for every body, nullability, control characters, ISO dates, 405 with Allow, and the
response headers the server sends."""

import re

import pytest
from pydantic import BaseModel

from app.cli import openapi_document
from app.core.summaries import SUMMARIES
from app.core.text_guard import NO_CONTROL_PATTERN
from app.domain.permissions import Role
from app.schemas.common import Input
from tests.api.declared_headers import DeclaredHeaders
from tests.builders import as_role, make_enterprise

CJK = re.compile(r"[\u4e00-\u9fff]")
pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def document():
    return openapi_document()


def _operations(document):
    return [(method, path, op) for path, item in document["paths"].items() for method, op in item.items()]


def _inputs() -> dict[str, type[BaseModel]]:
    found, todo = {}, [Input]
    while todo:
        model = todo.pop()
        found[model.__name__] = model
        todo.extend(model.__subclasses__())
    return found


def _english_default(operation_id: str) -> str:
    return operation_id.partition("-")[2].replace("_", " ").title()


def test_every_operation_has_a_chinese_summary_and_no_generated_english_one(document):
    for method, path, operation in _operations(document):
        summary = operation.get("summary", "")
        assert CJK.search(summary), (
            f"{method.upper()} {path}: add {operation['operationId']!r} to app/core/summaries.py"
        )
        assert summary != _english_default(operation["operationId"])


def test_the_summary_table_names_no_operation_that_is_gone(document):
    ids = {operation["operationId"] for _, _, operation in _operations(document)}
    assert set(SUMMARIES) <= ids


def test_every_tag_in_use_has_a_chinese_description(document):
    described = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    used = {tag for _, _, operation in _operations(document) for tag in operation.get("tags", [])}
    assert {tag for tag in used if not CJK.search(described.get(tag, ""))} == set()


def test_every_json_body_has_an_example_its_model_accepts(document):
    schemas, inputs = document["components"]["schemas"], _inputs()
    bodies = {
        media["schema"]["$ref"].rsplit("/", 1)[-1]
        for _, _, operation in _operations(document)
        for name, media in operation.get("requestBody", {}).get("content", {}).items()
        if name == "application/json" and "$ref" in media.get("schema", {})
    }
    assert bodies
    for name in sorted(bodies):
        examples = schemas[name].get("examples")
        assert examples, f"{name}: add an example to app/schemas/examples.py"
        for example in examples:
            inputs[name].model_validate(example)


def test_a_field_refused_as_null_is_not_declared_nullable(document):
    schemas = document["components"]["schemas"]
    checked = 0
    for name, model in _inputs().items():
        for field in getattr(model, "NOT_NULL", ()):
            node = schemas.get(name, {}).get("properties", {}).get(field)
            if node is not None:
                checked += 1
                assert {"type": "null"} not in node.get("anyOf", []), f"{name}.{field}"
                assert node.get("type") != "null"
    assert checked >= 5


def test_text_fields_of_bodies_declare_the_control_character_rule(document):
    name = document["components"]["schemas"]["EnterpriseCreate"]["properties"]["name"]
    address = document["components"]["schemas"]["EnterpriseCreate"]["properties"]["address"]
    assert name["pattern"] == NO_CONTROL_PATTERN
    assert {"type": "string", "maxLength": 256, "pattern": NO_CONTROL_PATTERN} in address["anyOf"]


def test_the_credit_code_declares_its_eighteen_characters(document):
    credit_code = document["components"]["schemas"]["EnterpriseCreate"]["properties"]["credit_code"]
    assert credit_code["minLength"] == credit_code["maxLength"] == 18
    assert re.fullmatch(credit_code["pattern"], "91654201MA00000011")
    assert not re.fullmatch(credit_code["pattern"], "91654201MA0000001I")


def test_date_parameters_declare_strings_of_the_accepted_years(document):
    parameters = document["paths"]["/api/v1/visits"]["get"]["parameters"]
    date_from = next(p for p in parameters if p["name"] == "date_from")["schema"]["anyOf"][0]
    assert date_from["format"] == "date"
    assert re.match(date_from["pattern"], "2026-05-12") and not re.match(date_from["pattern"], "0001-01-01")


@pytest.mark.parametrize(
    "query",
    ["updated_since=0.5", "updated_since=1700000000", "licence_expiring_before=0", "licence_expiring_before=20260512"],
)
async def test_a_date_query_parameter_sent_as_a_number_is_422_at_the_parameter(client, session, query):
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    response = await client.get(f"/api/v1/enterprises?{query}", headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", query.partition("=")[0]]


async def test_the_summary_as_of_a_number_is_422_at_the_parameter(client, session):
    _, headers = await as_role(client, session, Role.PREFECTURE_VIEWER)
    response = await client.get("/api/v1/reports/summary?year=2026&as_of=0", headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["query", "as_of"]


@pytest.mark.parametrize("occurred_on", [1700000000, 0.5, "1700000000"], ids=["seconds", "fraction", "digits"])
async def test_a_date_body_field_sent_as_a_number_is_422_at_the_field(client, session, occurred_on):
    enterprise = await make_enterprise(session)
    _, headers = await as_role(client, session, Role.COUNTY_INSPECTOR)
    body = {"kind": "complaint", "occurred_on": occurred_on}
    response = await client.post(f"/api/v1/enterprises/{enterprise.id}/signals", json=body, headers=headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["loc"] == ["body", "occurred_on"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("OPTIONS", "/api/v1/enterprises", "GET, POST"),
        ("PATCH", "/api/v1/enterprises/import-template", "GET"),
        ("PATCH", "/api/v1/licences/sync", "POST"),
        ("PUT", "/api/v1/webhook-subscriptions/8d2f8f1e-9d5c-4d6e-a3a4-6e6f3b9e1a11", "DELETE, GET, PATCH"),
        ("OPTIONS", "/api/v1/webhook-subscriptions/8d2f8f1e-9d5c-4d6e-a3a4-6e6f3b9e1a11", "DELETE, GET, PATCH"),
    ],
)
async def test_a_method_the_path_lacks_is_405_naming_every_method_it_has(client, method, path, allow):
    response = await client.request(method, path)
    assert response.status_code == 405, response.text
    assert response.headers["Allow"] == allow
    assert response.headers["Content-Type"] == "application/problem+json"


async def test_a_header_the_operation_does_not_declare_is_caught(app):
    check = DeclaredHeaders(app)
    assert check.undeclared("GET", "/api/v1/enterprises", 200, ["X-Surprise", "Content-Type"]) == ["x-surprise"]
    assert check.undeclared("POST", "/api/v1/enterprises", 201, ["Location", "ETag"]) == []
    assert check.undeclared("GET", "/api/v1/enterprises/3f6c2a9e-1b7d-4c52-9a0e-5d8f7b1c2e40", 200, ["ETag"]) == []
    assert check.undeclared("GET", "/api/v1/users", 200, ["ETag"]) == ["etag"]


def test_retry_after_is_declared_on_every_429_and_every_create_declares_location(document):
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            if status in ("429", "503"):
                assert "Retry-After" in response.get("headers", {}), f"{method} {path} {status}"
            if status == "201":
                assert "Location" in response.get("headers", {}), f"{method} {path}"
