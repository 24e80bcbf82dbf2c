import pytest

pytestmark = pytest.mark.anyio


async def test_the_process_reports_healthy(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readiness_checks_the_database(client):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text


async def test_every_response_carries_a_request_id_and_security_headers(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


async def test_an_unsafe_request_id_is_replaced(client):
    response = await client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert response.headers["X-Request-ID"] != "bad id\nwith newline"
    assert len(response.headers["X-Request-ID"]) == 32


async def test_an_unknown_path_is_a_problem_json_404(client):
    response = await client.get("/api/v1/nope")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["status"] == 404
