"""User accounts: administration by the admin role, own password changes, and linking guardians to pupils."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext

from storage import db
from storage.accounts import authenticate, issue_token, password_hasher, upgraded_hash
from storage.models import ROLES, Case, PendingTask, Province, Pupil, Region, School, User

from . import steps
from .errors import Forbidden, InvalidData, NotFound

log = logging.getLogger("sanad.accounts")

ADMIN_ROLE = "admin"
LOCALES = ("fr", "ar")
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 200
USERS_PAGE_SIZE = 50
PUPIL_SEARCH_LIMIT = 50

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,79}$")
# The pattern only rejects obvious typos, because sending a notification is the real check of an address.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")

# Referential column of each scoped role; the other roles have no scope.
SCOPE_FIELD = {"school": "school_id", "province": "province_id", "region": "region_id"}


@dataclass
class Referential:
    """The regions, provinces and schools an administrator picks a scope from."""

    regions: list[Region]
    provinces: list[Province]
    schools: list[School]


def _require_admin(actor: User) -> None:
    if actor.role != ADMIN_ROLE:
        raise Forbidden("Only an administrator can manage accounts.")


def referential(actor: User) -> Referential:
    """Return the referential rows for the scope selects of the account forms."""
    _require_admin(actor)
    return Referential(
        regions=list(db.session.scalars(sa.select(Region).order_by(Region.code))),
        provinces=list(db.session.scalars(sa.select(Province).order_by(Province.code))),
        schools=list(db.session.scalars(sa.select(School).order_by(School.code))),
    )


def list_users(actor: User, *, search: str = "", role: str = "", page: int = 1):
    """Return (users, total) for one page of accounts, filtered by a search text and a role."""
    _require_admin(actor)
    conditions = []
    if role in ROLES:
        conditions.append(User.role == role)
    search = search.strip()
    if search:
        # autoescape: a % or _ typed by the user is a character to find, not a wildcard.
        conditions.append(sa.or_(*(column.icontains(search, autoescape=True)
                                   for column in (User.username, User.full_name, User.email))))
    base = sa.select(User).where(*conditions)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery())) or 0
    users = list(db.session.scalars(base.order_by(User.username).limit(USERS_PAGE_SIZE)
                                    .offset((max(1, page) - 1) * USERS_PAGE_SIZE)))
    return users, total


def get_user(actor: User, user_id: int) -> User:
    _require_admin(actor)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("Account %(id)s was not found.", id=user_id)
    return user


def _password_errors(password: str, confirmation: str | None = None) -> list[str]:
    if len(password.strip()) < MIN_PASSWORD_LENGTH:
        return [gettext("Choose a password of at least %(min)s characters.", min=MIN_PASSWORD_LENGTH)]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [gettext("Choose a password of at most %(max)s characters.", max=MAX_PASSWORD_LENGTH)]
    if confirmation is not None and confirmation != password:
        return [gettext("The two passwords differ; type the same password twice.")]
    return []


def _int_or_none(value) -> int | None:
    text = str(value or "").strip()
    return int(text) if text.isdigit() else None


def _check_profile(data: dict, errors: dict[str, list[str]]) -> dict:
    """Validate the fields shared by creation and edition, adding to `errors`; return the cleaned values."""
    clean = {
        "full_name": str(data.get("full_name", "")).strip(),
        "email": str(data.get("email", "")).strip(),
        "role": str(data.get("role", "")).strip(),
        "locale": str(data.get("locale", "")).strip(),
        "school_id": None,
        "province_id": None,
        "region_id": None,
    }
    if not clean["full_name"]:
        errors["full_name"] = [gettext("Enter the person's full name.")]
    elif len(clean["full_name"]) > 200:
        errors["full_name"] = [gettext("Shorten the full name to at most 200 characters.")]
    if clean["email"] and (len(clean["email"]) > 254 or not EMAIL.match(clean["email"])):
        errors["email"] = [gettext("Enter a valid e-mail address, such as name@example.ma, or leave it empty.")]
    if clean["locale"] not in LOCALES:
        errors["locale"] = [gettext("Choose French or Arabic.")]
    if clean["role"] not in ROLES:
        errors["role"] = [gettext("Choose a role from the list.")]
        return clean

    scope_field = SCOPE_FIELD.get(clean["role"])
    if scope_field is not None:
        _check_scope(clean, scope_field, _int_or_none(data.get(scope_field)), errors)
    return clean


def _check_scope(clean: dict, scope_field: str, chosen: int | None, errors: dict[str, list[str]]) -> None:
    """Fill the scope columns of `clean` from the chosen school, province or region, as the referential nests them."""
    if scope_field == "school_id":
        school = db.session.get(School, chosen) if chosen else None
        if school is None:
            errors["school_id"] = [gettext("Choose the school of this account.")]
            return
        clean.update(school_id=school.id, province_id=school.province_id, region_id=school.province.region_id)
    elif scope_field == "province_id":
        province = db.session.get(Province, chosen) if chosen else None
        if province is None:
            errors["province_id"] = [gettext("Choose the provincial directorate of this account.")]
            return
        clean.update(province_id=province.id, region_id=province.region_id)
    else:
        region = db.session.get(Region, chosen) if chosen else None
        if region is None:
            errors["region_id"] = [gettext("Choose the region (AREF) of this account.")]
            return
        clean.update(region_id=region.id)


def _form_values(data: dict) -> dict:
    """Return what the user sent, without passwords, to refill the form after an error."""
    return {key: value for key, value in data.items() if "password" not in key}


def sign_in(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None, storing a stronger hash of the password if due.

    The password is checked before the write transaction starts, so the slow hash check holds no lock.
    """
    user = authenticate(username, password)
    if user is None:
        return None
    new_hash = upgraded_hash(user, password)
    if new_hash is not None:
        steps.begin_write()
        user.password_hash = new_hash
        db.session.commit()
    return user


def issue_api_token(user: User, ttl_seconds: int) -> str:
    """Store a new bearer token for `user` and return it."""
    steps.begin_write()
    token = issue_token(user, ttl_seconds)
    db.session.commit()
    return token


def set_locale(user: User, locale: str) -> None:
    """Remember the interface language a user chose."""
    steps.begin_write()
    user.locale = locale
    db.session.commit()


def create_user(actor: User, data: dict) -> User:
    """Create an account from the admin form; raise InvalidData with every field error at once."""
    _require_admin(actor)
    # The username check and the insert share one write transaction, so two requests cannot both take a name.
    steps.begin_write()
    errors: dict[str, list[str]] = {}
    username = str(data.get("username", "")).strip().lower()
    if not USERNAME.match(username):
        errors["username"] = [gettext("Enter a username of 3 to 80 characters: lowercase letters, digits, "
                                      "dots, dashes or underscores, starting with a letter or a digit.")]
    elif db.session.scalar(sa.select(User.id).where(sa.func.lower(User.username) == username)) is not None:
        errors["username"] = [gettext("The username %(username)s is already taken; choose another one.",
                                      username=username)]
    clean = _check_profile(data, errors)
    password = str(data.get("password", ""))
    password_errors = _password_errors(password)
    if password_errors:
        errors["password"] = password_errors
    if errors:
        raise InvalidData(errors, _form_values(data))

    user = User(username=username, password_hash=password_hasher.hash(password), active=True,
                created_at=steps.now(), **clean)
    db.session.add(user)
    db.session.commit()
    log.info("account created", extra={"actor_id": actor.id, "user_id": user.id, "role": user.role})
    return user


def update_user(actor: User, user_id: int, data: dict) -> User:
    """Change an account's profile, role, scope, language and active flag.

    An administrator cannot deactivate their own account or change their own role.
    """
    steps.begin_write()
    user = get_user(actor, user_id)
    errors: dict[str, list[str]] = {}
    clean = _check_profile(data, errors)
    active = str(data.get("active", "")).lower() in ("1", "true", "on", "yes")
    if user.id == actor.id and not active:
        errors["active"] = [gettext("You cannot deactivate your own account; ask another administrator.")]
    if user.id == actor.id and clean["role"] != user.role and "role" not in errors:
        errors["role"] = [gettext("You cannot change your own role; ask another administrator.")]
    if errors:
        raise InvalidData(errors, _form_values(data))

    changed = sorted(key for key, value in {**clean, "active": active}.items() if getattr(user, key) != value)
    for key, value in clean.items():
        setattr(user, key, value)
    user.active = active
    db.session.commit()
    log.info("account updated", extra={"actor_id": actor.id, "user_id": user.id, "changed": changed})
    return user


def reset_password(actor: User, user_id: int, password: str) -> User:
    """Set a new password on another account, typed by the administrator."""
    user = get_user(actor, user_id)
    password_errors = _password_errors(password or "")
    if password_errors:
        raise InvalidData({"password": password_errors})
    password_hash = password_hasher.hash(password)
    steps.begin_write()
    user.password_hash = password_hash
    db.session.commit()
    log.info("password reset", extra={"actor_id": actor.id, "user_id": user.id})
    return user


def change_own_password(user: User, current: str, new: str, confirmation: str) -> None:
    """Change the logged-in user's password after checking the current one."""
    errors: dict[str, list[str]] = {}
    try:
        password_hasher.verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        errors["current_password"] = [gettext("The current password is wrong; type it again.")]
    password_errors = _password_errors(new or "", confirmation or "")
    if password_errors:
        errors["new_password"] = password_errors
    elif new == current and not errors:
        errors["new_password"] = [gettext("Choose a password different from the current one.")]
    if errors:
        log.info("own password change rejected", extra={"user_id": user.id, "fields": sorted(errors)})
        raise InvalidData(errors)
    password_hash = password_hasher.hash(new)
    steps.begin_write()
    user.password_hash = password_hash
    db.session.commit()
    log.info("own password changed", extra={"user_id": user.id})


def search_pupils(actor: User, text: str) -> list[Pupil]:
    """Return pupils whose Massar code or name contains `text`, at most PUPIL_SEARCH_LIMIT of them."""
    _require_admin(actor)
    text = (text or "").strip()
    if not text:
        return []
    columns = (Pupil.massar_code, Pupil.last_name, Pupil.first_name, Pupil.last_name_ar, Pupil.first_name_ar)
    return list(db.session.scalars(
        sa.select(Pupil).where(sa.or_(*(column.icontains(text, autoescape=True) for column in columns)))
        .order_by(Pupil.last_name, Pupil.first_name).limit(PUPIL_SEARCH_LIMIT)
    ))


def wards(actor: User, parent: User) -> list[Pupil]:
    """Return the pupils whose guardian is `parent`."""
    _require_admin(actor)
    return list(db.session.scalars(sa.select(Pupil).where(Pupil.guardian_id == parent.id)
                                   .order_by(Pupil.last_name, Pupil.first_name)))


def link_guardian(actor: User, parent_id: int, pupil_id: int) -> list[Case]:
    """Make a parent account the guardian of a pupil, and hand it the parent-lane tasks of the pupil's open cases.

    The pupil, its open cases and their pending parent tasks change in one transaction, with a "guardian_linked"
    audit event on each case and a notification to the guardian for each moved task. Returns the open cases.
    """
    steps.begin_write()
    parent = get_user(actor, parent_id)
    if parent.role != "parent" or not parent.active:
        raise InvalidData({"pupil_id": [gettext("Only an active parent account can be linked to a pupil.")]})
    pupil = db.session.get(Pupil, pupil_id)
    if pupil is None:
        raise InvalidData({"pupil_id": [gettext("Choose a pupil from the search results.")]})
    previous = pupil.guardian_id
    if previous == parent.id:
        return []

    case_ids = list(db.session.scalars(
        sa.select(Case.id).where(Case.pupil_id == pupil.id, Case.state == "open").order_by(Case.id)
    ))
    cases = [steps.lock_case(case_id) for case_id in case_ids]
    pupil.guardian_id = parent.id
    for case in cases:
        case.guardian_id = parent.id
        moved = list(db.session.scalars(
            sa.select(PendingTask).where(PendingTask.case_id == case.id, PendingTask.role == "parent")
        ))
        for task in moved:
            task.guardian_id = parent.id
        db.session.flush()
        steps.record(case, "guardian_linked", actor=actor,
                     details={"guardian": parent.full_name, "previous_guardian_id": previous,
                              "tasks_moved": len(moved)})
        # The guardian gets a notification for each step that now waits for them, as for a newly created step.
        steps.notify_holders(case, moved)
        steps.write_case(case)
    db.session.commit()
    log.info("guardian linked", extra={"actor_id": actor.id, "parent_id": parent.id, "pupil_id": pupil.id,
                                       "previous_guardian_id": previous, "case_ids": case_ids})
    return cases
