"""Error responses outside any one endpoint: unknown routes, wrong methods, oversized bodies."""

from __future__ import annotations

from api_helpers import SCHOOL


def test_unknown_route_json_not_found(client, api_token):
    response = client.get("/api/v1/no-such-thing", headers=api_token(SCHOOL))

    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_wrong_method_json_error(client, api_token):
    response = client.delete("/api/v1/cases", headers=api_token(SCHOOL))

    assert response.status_code == 405
    assert response.get_json()["error"] == "method_not_allowed"


def test_oversized_body_rejected(client, api_token, monkeypatch):
    headers = api_token(SCHOOL)
    monkeypatch.setitem(client.application.config, "MAX_CONTENT_LENGTH", 1024)

    response = client.post("/api/v1/cases", json={"data": {"place": "x" * 4096}}, headers=headers)

    assert response.status_code == 413
    assert response.get_json()["error"] == "request_entity_too_large"
    assert response.get_json()["errors"] == {}
    assert response.get_json()["message"].startswith("L'envoi est trop volumineux")


def test_envelope_errors_in_french(client, api_token):
    headers = api_token(SCHOOL)

    missing = client.post("/api/v1/cases", json={"x": 1}, headers=headers).get_json()
    null = client.post("/api/v1/cases", json={"data": None}, headers=headers).get_json()
    listed = client.post("/api/v1/cases", json={"data": [1]}, headers=headers).get_json()
    page = client.get("/api/v1/tasks?page=0", headers=headers).get_json()

    assert missing["errors"] == {"data": ["Envoyez ce champ : il est obligatoire."]}
    assert null["errors"] == {"data": ["Envoyez une valeur ici : null n’est pas accepté."]}
    assert listed["errors"] == {"data": ["Envoyez ici un objet JSON."]}
    assert page["errors"] == {"page": ["Envoyez un nombre de 1 à 100000."]}


def test_api_post_needs_no_csrf_token(client, api_token):
    response = client.post("/api/v1/cases", json={"data": {}}, headers=api_token(SCHOOL))

    assert response.status_code == 422
    assert response.get_json()["error"] == "invalid_data"
