"""The contract tells a client where a created record lives: each create's 201 links to its read and update."""

import pytest

from app.cli import openapi_document


@pytest.fixture(scope="module")
def paths():
    return openapi_document()["paths"]


def _links(paths, path, method="post"):
    return paths[path][method]["responses"]["201"].get("links", {})


@pytest.mark.parametrize(
    ("create", "read", "update"),
    [
        ("/api/v1/enterprises", "enterprises-read_enterprise", "enterprises-update_enterprise"),
        ("/api/v1/visits", "visits-read_visit", "visits-update_visit"),
        ("/api/v1/users", "users-read_user", "users-update_user"),
        ("/api/v1/risk-list", "risk-list-read_risk_list_entry", "risk-list-update_risk_list_entry"),
        ("/api/v1/enterprises/{enterprise_id}/licences", "licences-read_licence", "licences-update_licence"),
        ("/api/v1/plans/{plan_id}/items", "plans-read_plan_item", "plans-adjust_plan_item"),
    ],
)
def test_a_create_links_to_the_read_and_the_update_of_the_record_it_made(paths, create, read, update):
    targets = {link["operationId"] for link in _links(paths, create).values()}
    assert {read, update} <= targets


def test_every_create_whose_record_can_be_read_links_to_that_read(paths):
    reads: dict[str, set[str]] = {}  # schema → the reads answering it (a licence is read by id and by number)
    for path, ops in paths.items():
        for method, op in ops.items():
            content = op["responses"].get("200", {}).get("content", {}).get("application/json", {})
            if method == "get" and path.endswith("}") and "$ref" in content.get("schema", {}):
                reads.setdefault(content["schema"]["$ref"], set()).add(op["operationId"])
    missing = [
        f"{method.upper()} {path}"
        for path, ops in paths.items()
        for method, op in ops.items()
        if (schema := op["responses"].get("201", {}).get("content", {}).get("application/json", {}).get("schema"))
        and schema.get("$ref") in reads
        and not reads[schema["$ref"]] & {link["operationId"] for link in _links(paths, path, method).values()}
    ]
    assert not missing


def test_the_id_comes_from_the_response_and_the_outer_id_from_the_request_path(paths):
    link = _links(paths, "/api/v1/plans/{plan_id}/items")["PlansReadPlanItem"]
    assert link["parameters"] == {"plan_id": "$request.path.plan_id", "item_id": "$response.body#/id"}


def test_a_pushed_licence_links_by_the_id_nested_in_the_result(paths):
    link = _links(paths, "/api/v1/licences/by-number/{licence_no}", "put")["LicencesReadLicence"]
    assert link["parameters"] == {"licence_id": "$response.body#/licence/id"}


def test_a_new_enterprise_links_to_the_creates_that_refer_to_it_in_their_body(paths):
    link = _links(paths, "/api/v1/enterprises")["VisitsCreateVisit"]
    assert link["requestBody"] == {"enterprise_id": "$response.body#/id"}
