"""Bearer tokens: POST /api/v1/auth/token and the 401 responses of protected endpoints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from api_helpers import DEMO_USERS, SCHOOL
from support import DEMO_PASSWORD

TOKEN_URL = "/api/v1/auth/token"


def _assert_bearer_challenge(response) -> None:
    assert response.status_code == 401
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


@pytest.mark.parametrize("username", DEMO_USERS)
def test_token_issued_for_demo_user(client, username):
    before = datetime.now(UTC)
    response = client.post(TOKEN_URL, json={"username": username, "password": DEMO_PASSWORD})

    assert response.status_code == 200
    body = response.get_json()
    assert len(body["token"]) >= 32
    assert body["user"]["username"] == username
    assert set(body["user"]) == {"username", "role", "full_name"}
    expires_at = datetime.fromisoformat(body["expires_at"])
    ttl = client.application.config["API_TOKEN_TTL_SECONDS"]
    assert before + timedelta(seconds=ttl - 60) <= expires_at <= before + timedelta(seconds=ttl + 60)


def test_token_sets_no_session_cookie(client):
    response = client.post(TOKEN_URL, json={"username": SCHOOL, "password": DEMO_PASSWORD})
    headers = {"Authorization": f"Bearer {response.get_json()['token']}"}

    inbox = client.get("/api/v1/tasks", headers=headers)

    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in inbox.headers


def test_token_works_on_later_calls(client, api_token):
    response = client.get("/api/v1/tasks", headers=api_token(SCHOOL))
    assert response.status_code == 200


@pytest.mark.parametrize("username,password", [
    (SCHOOL, "wrong-password"),
    ("nobody.demo", DEMO_PASSWORD),
    ("nobody.demo", "wrong-password"),
])
def test_bad_credentials_one_answer(client, username, password):
    response = client.post(TOKEN_URL, json={"username": username, "password": password})

    _assert_bearer_challenge(response)
    body = response.get_json()
    assert body["error"] == "invalid_credentials"
    assert body["message"]
    reference = client.post(TOKEN_URL, json={"username": SCHOOL, "password": "another-wrong-one"}).get_json()
    assert body["message"] == reference["message"]


@pytest.mark.parametrize("body,fields", [
    ({}, {"username", "password"}),
    ({"username": SCHOOL}, {"password"}),
    ({"password": DEMO_PASSWORD}, {"username"}),
    ({"username": 12, "password": ["x"]}, {"username", "password"}),
    ({"username": "", "password": ""}, {"username", "password"}),
    ({"username": "u" * 100_000, "password": DEMO_PASSWORD}, {"username"}),
])
def test_login_body_invalid(client, body, fields):
    response = client.post(TOKEN_URL, json=body)

    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == "invalid_data"
    assert set(payload["errors"]) == fields


@pytest.mark.parametrize("data,content_type", [
    ("{not json", "application/json"),
    ("[1, 2]", "application/json"),
    ('"text"', "application/json"),
    ("null", "application/json"),
    ("username=ecole.demo", "application/x-www-form-urlencoded"),
    ("", "application/json"),
    (b"\xff\xfe{}", "application/json"),
])
def test_login_body_not_object(client, data, content_type):
    response = client.post(TOKEN_URL, data=data, content_type=content_type)

    assert response.status_code == 422
    assert response.get_json()["errors"][""]


def test_missing_token_rejected(client):
    response = client.get("/api/v1/tasks")

    _assert_bearer_challenge(response)
    assert response.get_json()["error"] == "authentication_required"


@pytest.mark.parametrize("header", [
    "Bearer not-a-token",
    "Bearer " + "x" * 10_000,
    "Basic ZWNvbGUuZGVtbzp4",
    "Bearer",
    "bearer ",
])
def test_invalid_token_rejected(client, header):
    response = client.get("/api/v1/tasks", headers={"Authorization": header})

    _assert_bearer_challenge(response)
    assert response.get_json()["error"] in ("invalid_token", "authentication_required")


def test_expired_token_rejected(client, monkeypatch):
    monkeypatch.setitem(client.application.config, "API_TOKEN_TTL_SECONDS", 0)
    token = client.post(TOKEN_URL, json={"username": SCHOOL, "password": DEMO_PASSWORD}).get_json()["token"]

    response = client.get("/api/v1/tasks", headers={"Authorization": f"Bearer {token}"})

    _assert_bearer_challenge(response)
    assert response.get_json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


def test_session_login_does_not_open_api(login_as):
    browser = login_as(SCHOOL)

    response = browser.get("/api/v1/tasks")

    _assert_bearer_challenge(response)


@pytest.mark.parametrize("method,url", [
    ("get", "/api/v1/cases/form"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases"),
    ("get", "/api/v1/cases/1"),
    ("get", "/api/v1/tasks"),
    ("get", "/api/v1/tasks/00000000-0000-0000-0000-000000000000"),
    ("post", "/api/v1/tasks/00000000-0000-0000-0000-000000000000/complete"),
    ("get", "/api/v1/documents/1"),
])
def test_every_endpoint_needs_token(client, method, url):
    response = getattr(client, method)(url, json={"data": {}})
    _assert_bearer_challenge(response)
