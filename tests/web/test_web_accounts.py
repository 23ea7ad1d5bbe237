"""Account administration, guardian linking and the own-password page."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

NEW_PASSWORD = "a-new-password-456"
# Rows that point at accounts, deleted before the accounts a test created.
ROWS_REFERRING_TO_USERS = ("task_draft", "notification", "audit_event", "pending_task", "document",
                           "accident_case", "api_token")


def unique_username(kind: str) -> str:
    return f"t{uuid.uuid4().hex[:10]}.{kind}"


@pytest.fixture
def created_accounts(app):
    """Collect the usernames a test creates; afterwards unlink their pupils and delete them and their rows."""
    usernames: list[str] = []
    yield usernames
    from storage import db
    from storage.models import Pupil, User

    with app.app_context():
        db.session.remove()
        ids = list(db.session.scalars(sa.select(User.id).where(User.username.in_(usernames))))
        if ids:
            with db.engine.begin() as connection:
                for table in ROWS_REFERRING_TO_USERS:
                    connection.execute(sa.text(f"DELETE FROM {table}"))
                connection.execute(sa.update(Pupil).where(Pupil.guardian_id.in_(ids)).values(guardian_id=None))
                connection.execute(sa.delete(User).where(User.id.in_(ids)))
        db.session.remove()


def user_row(app, username: str):
    from storage import db
    from storage.models import User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is not None:
            db.session.expunge(user)
        db.session.remove()
        return user


def school_id_of(app, username: str) -> int:
    return user_row(app, username).school_id


def account_form(**overrides) -> dict:
    data = {"username": unique_username("school"), "full_name": "Test Directeur", "email": "directeur@example.ma",
            "role": "school", "locale": "fr", "school_id": "", "province_id": "", "region_id": "",
            "password": "initial-password-1"}
    data.update(overrides)
    return data


def test_users_page_forbidden_for_non_admin(login_as):
    for username in ("ecole.demo", "central.demo", "analyste.demo", "parent.demo"):
        browser = login_as(username)
        assert browser.get("/admin/users").status_code == 403, username
        assert browser.get("/admin/users/new").status_code == 403, username


def test_users_list_search_and_role_filter(login_as):
    browser = login_as("admin.demo")
    html = browser.get("/admin/users?q=ecole&role=school").get_data(as_text=True)
    assert "ecole.demo" in html
    assert "ecole2.demo" in html
    assert "parent.demo" not in html
    html = browser.get("/admin/users?role=parent").get_data(as_text=True)
    assert "parent.demo" in html
    assert "ecole.demo" not in html


def test_create_account_invalid_input(app, login_as, created_accounts):
    browser = login_as("admin.demo")
    data = account_form(username="Bad Name!", full_name="", email="not-an-address", role="school",
                        password="short")
    response = browser.post_form("/admin/users/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="u-username-error"' in html
    assert 'id="u-full_name-error"' in html
    assert 'id="u-email-error"' in html
    assert 'id="u-school_id-error"' in html
    assert 'id="u-password-error"' in html
    assert "10 caractères" in html
    # What was typed comes back, except the password.
    assert 'value="not-an-address"' in html
    assert 'value="Bad Name!"' in html
    assert "short" not in html
    assert user_row(app, "bad name!") is None


def test_create_account_duplicate_username(login_as):
    browser = login_as("admin.demo")
    response = browser.post_form("/admin/users/new", account_form(username="ecole.demo", role="central"))
    assert response.status_code == 422
    assert "ecole.demo est déjà pris" in response.get_data(as_text=True)


def test_create_school_account_and_log_in(app, login_as, browser, created_accounts):
    admin = login_as("admin.demo")
    username = unique_username("school")
    created_accounts.append(username)
    school_id = school_id_of(app, "ecole.demo")
    response = admin.post_form("/admin/users/new", account_form(username=username, school_id=str(school_id)))
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]

    user = user_row(app, username)
    assert user.school_id == school_id
    assert user.province_id is not None
    assert user.region_id is not None
    assert user.password_hash.startswith("$argon2")
    assert browser.login(username, "initial-password-1").status_code == 302


def test_deactivated_account_cannot_log_in(app, login_as, browser, created_accounts):
    admin = login_as("admin.demo")
    username = unique_username("central")
    created_accounts.append(username)
    admin.post_form("/admin/users/new", account_form(username=username, role="central"))
    user = user_row(app, username)
    edit_url = f"/admin/users/{user.id}"
    response = admin.post_form(edit_url, {"full_name": "Test Central", "email": "", "role": "central",
                                          "locale": "ar", "school_id": "", "province_id": "", "region_id": ""})
    assert response.status_code == 302

    assert user_row(app, username).active is False
    assert user_row(app, username).locale == "ar"
    assert browser.login(username, "initial-password-1").status_code == 401


def test_admin_cannot_deactivate_self(app, login_as):
    admin = login_as("admin.demo")
    admin_id = user_row(app, "admin.demo").id
    response = admin.post_form(f"/admin/users/{admin_id}", {"full_name": "Omar Fassi", "role": "admin",
                                                            "locale": "fr"})
    assert response.status_code == 422
    assert 'id="u-active-error"' in response.get_data(as_text=True)
    assert user_row(app, "admin.demo").active is True


def test_admin_resets_password(app, login_as, browser, created_accounts):
    admin = login_as("admin.demo")
    username = unique_username("region")
    created_accounts.append(username)
    region_id = user_row(app, "region.demo").region_id
    admin.post_form("/admin/users/new", account_form(username=username, role="region", region_id=str(region_id)))
    user = user_row(app, username)
    page = f"/admin/users/{user.id}"

    short = admin.post_form(page, {"password": "tiny"}, action=f"{page}/password")
    assert short.status_code == 422
    assert 'id="p-password-error"' in short.get_data(as_text=True)
    response = admin.post_form(page, {"password": NEW_PASSWORD}, action=f"{page}/password")
    assert response.status_code == 302
    assert browser.login(username, NEW_PASSWORD).status_code == 302


def test_linking_guardian_moves_parent_task(app, login_as, pdf_bytes, web_helpers, created_accounts):
    from storage import db
    from storage.models import AuditEvent, Case, Pupil

    school = login_as("ecole2.demo")
    case_id = web_helpers.declare(school, app, pdf_bytes, username="ecole2.demo")
    parent_tasks = [task_id for task_id, _bpmn, role in web_helpers.pending_tasks(app, case_id) if role == "parent"]
    assert parent_tasks
    task_id = parent_tasks[0]
    assert f"/tasks/{task_id}" in school.get("/inbox").get_data(as_text=True)

    admin = login_as("admin.demo")
    username = unique_username("parent")
    created_accounts.append(username)
    response = admin.post_form("/admin/users/new", account_form(username=username, role="parent",
                                                               full_name="Test Tuteur"))
    assert response.status_code == 302
    parent_id = user_row(app, username).id
    with app.app_context():
        case = db.session.get(Case, case_id)
        pupil = db.session.get(Pupil, case.pupil_id)
        pupil_id, massar_code, previous_guardian = pupil.id, pupil.massar_code, pupil.guardian_id
        db.session.remove()
    assert previous_guardian is None

    link_url = f"/admin/users/{parent_id}/pupils"
    search = admin.get(f"{link_url}?q={massar_code}").get_data(as_text=True)
    assert massar_code in search
    response = admin.post_form(f"{link_url}?q={massar_code}", {"pupil_id": str(pupil_id)})
    assert response.status_code == 302

    parent_session = type(school)(app.test_client())
    assert parent_session.login(username, "initial-password-1").status_code == 302
    assert f"/tasks/{task_id}" in parent_session.get("/inbox").get_data(as_text=True)
    assert f"/tasks/{task_id}" not in school.get("/inbox").get_data(as_text=True)
    assert parent_session.get(f"/cases/{case_id}").status_code == 200

    with app.app_context():
        case = db.session.get(Case, case_id)
        assert case.guardian_id == parent_id
        kinds = list(db.session.scalars(sa.select(AuditEvent.kind).where(AuditEvent.case_id == case_id)))
        db.session.remove()
    assert "guardian_linked" in kinds


def test_own_password_change(app, login_as, browser, created_accounts):
    admin = login_as("admin.demo")
    username = unique_username("province")
    created_accounts.append(username)
    province_id = user_row(app, "province.demo").province_id
    admin.post_form("/admin/users/new", account_form(username=username, role="province",
                                                   province_id=str(province_id)))
    assert browser.login(username, "initial-password-1").status_code == 302

    wrong = browser.post_form("/account/password", {"current_password": "wrong-password",
                                                    "new_password": NEW_PASSWORD, "confirm_password": NEW_PASSWORD})
    assert wrong.status_code == 422
    assert 'id="u-current_password-error"' in wrong.get_data(as_text=True)
    mismatch = browser.post_form("/account/password", {"current_password": "initial-password-1",
                                                       "new_password": NEW_PASSWORD,
                                                       "confirm_password": "something-else-1"})
    assert mismatch.status_code == 422
    assert 'id="u-new_password-error"' in mismatch.get_data(as_text=True)

    changed = browser.post_form("/account/password", {"current_password": "initial-password-1",
                                                      "new_password": NEW_PASSWORD,
                                                      "confirm_password": NEW_PASSWORD})
    assert changed.status_code == 302
    assert user_row(app, username).password_hash.startswith("$argon2")
    other = type(browser)(app.test_client())
    assert other.login(username, "initial-password-1").status_code == 401
    assert other.login(username, NEW_PASSWORD).status_code == 302


def test_linked_guardian_is_notified(app, login_as, pdf_bytes, web_helpers, created_accounts):
    from storage import db
    from storage.models import Case, Notification

    case_id = web_helpers.declare(login_as("ecole2.demo"), app, pdf_bytes, username="ecole2.demo")
    admin = login_as("admin.demo")
    username = unique_username("parent")
    created_accounts.append(username)
    admin.post_form("/admin/users/new", account_form(username=username, role="parent"))
    parent_id = user_row(app, username).id
    with app.app_context():
        pupil_id = db.session.get(Case, case_id).pupil_id
        db.session.remove()
    link_url = f"/admin/users/{parent_id}/pupils"
    assert admin.post_form(link_url, {"pupil_id": str(pupil_id)}).status_code == 302

    with app.app_context():
        kinds = list(db.session.scalars(sa.select(Notification.kind).where(Notification.user_id == parent_id)))
        db.session.remove()
    assert kinds == ["task_assigned"]


def test_link_rejects_non_parent_account(app, login_as):
    from storage import db
    from storage.models import Pupil

    admin = login_as("admin.demo")
    school_user_id = user_row(app, "ecole.demo").id
    with app.app_context():
        pupil = db.session.scalar(sa.select(Pupil).order_by(Pupil.id).limit(1))
        pupil_id, guardian_before = pupil.id, pupil.guardian_id
        db.session.remove()
    assert admin.get(f"/admin/users/{school_user_id}/pupils").status_code == 302
    response = admin.post_form(f"/admin/users/{school_user_id}", {"pupil_id": str(pupil_id)},
                               action=f"/admin/users/{school_user_id}/pupils")
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Pupil, pupil_id).guardian_id == guardian_before
        db.session.remove()
