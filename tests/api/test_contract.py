"""The committed OpenAPI document is the product surface: it must match the code exactly."""

import json

import pytest

from app.cli import OPENAPI_PATH, openapi_document


@pytest.fixture(scope="module")
def document():
    return openapi_document()


def test_the_committed_openapi_document_matches_the_code(document):
    committed = json.loads(OPENAPI_PATH.read_text())
    assert committed == document, "openapi/openapi.json is stale: run `make openapi` and commit it"


def test_every_operation_id_is_tag_dash_name_and_unique(document):
    ids = [op["operationId"] for path in document["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    for operation_id in ids:
        tag, _, name = operation_id.partition("-")
        assert tag and name and name not in {"list", "get"}


@pytest.mark.parametrize("status", ["401", "422"])
def test_errors_are_documented_as_problem_json(document, status):
    documented = [
        op["responses"][status]
        for path in document["paths"].values()
        for op in path.values()
        if status in op["responses"]
    ]
    assert documented
    assert all(list(r["content"]) == ["application/problem+json"] for r in documented)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_reference_in_the_document_resolves(document):
    def refs(node):
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    schemas = document["components"]["schemas"]
    dangling = {r for r in refs(document) if r.removeprefix("#/components/schemas/") not in schemas}
    assert not dangling
