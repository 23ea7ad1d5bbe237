"""The audit log's hash chain: intact after writing, broken by any edit or deletion."""

import sqlalchemy as sa

from storage import audit, db
from storage.models import AuditEvent, Case


def _case_with_events(client, api_token) -> int:
    headers = api_token("ecole.demo")
    form = client.get("/api/v1/cases/form", headers=headers).get_json()["form"]
    data = {
        "pupil": form["properties"]["pupil"]["oneOf"][0]["const"], "accident_date": "2026-11-30",
        "accident_time": "10:00", "place": "Cour", "activity": "recess", "circumstances": "Chute",
        "injury_nature": "Entorse", "body_part": "Cheville", "first_aid": "first_aid_at_school",
        "guardian_notified": False, "severity": "minor", "several_victims": False, "third_party_violence": False,
        "road_accident": False, "insured": True, "supervisor_name": "Mme Bennani", "supervisor_function": "Enseignante",
    }
    response = client.post("/api/v1/cases", json={"data": data}, headers=headers)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_chain_intact_after_declaration(app, client, api_token):
    case_id = _case_with_events(client, api_token)
    with app.app_context():
        audit.append(case_id, "note", details={"text": "checked"})
        db.session.commit()

        assert len(audit.events(case_id)) == 2
        assert audit.verify_chain(case_id) is None


def test_edited_event_breaks_chain(app, client, api_token):
    case_id = _case_with_events(client, api_token)
    with app.app_context():
        audit.append(case_id, "note", details={"text": "checked"})
        db.session.commit()
        first = audit.events(case_id)[0]
        db.session.execute(sa.update(AuditEvent).where(AuditEvent.id == first.id).values(actor_role="central"))
        db.session.commit()

        assert audit.verify_chain(case_id) == first.id


def test_deleted_event_breaks_chain(app, client, api_token):
    case_id = _case_with_events(client, api_token)
    with app.app_context():
        for text in ("one", "two"):
            audit.append(case_id, "note", details={"text": text})
        db.session.commit()
        middle = audit.events(case_id)[1]
        db.session.execute(sa.delete(AuditEvent).where(AuditEvent.id == middle.id))
        db.session.commit()

        assert audit.verify_chain(case_id) == audit.events(case_id)[1].id
        assert db.session.get(Case, case_id) is not None
