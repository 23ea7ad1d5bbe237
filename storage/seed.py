"""Write the referential and the demo accounts to the database, idempotently.

Both functions only add and flush rows in the given session. The caller commits.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from . import referential
from .models import Province, Pupil, Region, School, User

# (username, role, full name, demo school index for school users)
# Province and region users take the first demo school's province and region.
DEMO_USERS: tuple[tuple[str, str, str, int | None], ...] = (
    ("ecole.demo", "school", "Amina El Idrissi", 0),
    ("ecole2.demo", "school", "Youssef Tazi", 1),
    ("parent.demo", "parent", "Nadia Bennani", None),
    ("province.demo", "province", "Karim Berrada", None),
    ("region.demo", "region", "Salma Chraibi", None),
    ("central.demo", "central", "Hassan Ouazzani", None),
    ("analyste.demo", "analyst", "Leila Benjelloun", None),
    ("admin.demo", "admin", "Omar Fassi", None),
)
DEMO_EMAIL_DOMAIN = "sanad.test"


def seed_referential(session: Session) -> dict[str, int]:
    """Insert or update regions, provinces, demo schools and demo pupils, matched by their codes.

    Existing rows keep their ids, and pupil guardian accounts are left alone. Returns the number of rows of
    each table in the referential data, plus "created" and "updated": the rows inserted or changed by this call.
    """
    tally = {"created": 0, "updated": 0}

    regions = _upsert_all(session, Region, "code", referential.REGIONS, tally)

    provinces = _upsert_all(
        session,
        Province,
        "code",
        [_replace_code(row, "region_code", "region_id", regions) for row in referential.PROVINCES],
        tally,
    )
    schools = _upsert_all(
        session,
        School,
        "code",
        [_replace_code(row, "province_code", "province_id", provinces) for row in referential.DEMO_SCHOOLS],
        tally,
    )
    pupils = _upsert_all(
        session,
        Pupil,
        "massar_code",
        [_replace_code(row, "school_code", "school_id", schools) for row in referential.DEMO_PUPILS],
        tally,
    )

    return {
        "regions": len(regions),
        "provinces": len(provinces),
        "schools": len(schools),
        "pupils": len(pupils),
        **tally,
    }


def seed_demo_users(session: Session, password: str, hasher) -> list[str]:
    """Create the missing demo accounts, one per actor, and link the demo parent to the first school's pupils.

    An existing account is never changed, so its password survives a second run. `hasher` is any object with
    `.hash(password)`, such as argon2-cffi's `PasswordHasher`. Run `seed_referential` first. Returns the
    usernames created by this call.
    """
    schools = [_get_by_code(session, School, row["code"]) for row in referential.DEMO_SCHOOLS]
    first_school = schools[0]
    province = first_school.province
    region = province.region

    existing = set(session.scalars(sa.select(User.username).where(User.username.in_([u[0] for u in DEMO_USERS]))))
    created = []
    # Hash lazily, because password hashing is deliberately slow and a second run needs no hash at all.
    password_hash = None
    for username, role, full_name, school_index in DEMO_USERS:
        if username in existing:
            continue
        if password_hash is None:
            password_hash = hasher.hash(password)

        user = User(
            username=username,
            password_hash=password_hash,
            full_name=full_name,
            email=f"{username}@{DEMO_EMAIL_DOMAIN}",
            role=role,
            locale="fr",
        )
        if role == "school":
            school = schools[school_index]
            user.school_id = school.id
            user.province_id = school.province_id
            user.region_id = school.province.region_id
        elif role == "province":
            user.province_id = province.id
            user.region_id = region.id
        elif role == "region":
            user.region_id = region.id
        session.add(user)
        created.append(username)
    session.flush()

    parent = session.scalars(sa.select(User).where(User.username == "parent.demo")).one()
    first_school_codes = {
        row["massar_code"] for row in referential.DEMO_PUPILS if row["school_code"] == first_school.code
    }
    pupils = session.scalars(sa.select(Pupil).where(Pupil.massar_code.in_(first_school_codes)))
    for pupil in pupils:
        # Only fill an empty link, so a guardian chosen later by an administrator is kept.
        if pupil.guardian_id is None:
            pupil.guardian_id = parent.id
    session.flush()

    return created


def _replace_code(row: dict, code_key: str, id_key: str, rows_by_code: dict) -> dict:
    """Copy `row` with the parent's code swapped for the parent row's id."""
    values = {key: value for key, value in row.items() if key != code_key}
    values[id_key] = rows_by_code[row[code_key]].id
    return values


def _upsert_all(session: Session, model, key: str, rows, tally: dict[str, int]) -> dict:
    """Insert or update each row of `rows`, matched on the unique column `key`, and return the rows by key.

    Adds the number of rows created and updated to `tally`.
    """
    column = getattr(model, key)
    keys = [row[key] for row in rows]
    existing = {getattr(obj, key): obj for obj in session.scalars(sa.select(model).where(column.in_(keys)))}

    for row in rows:
        obj = existing.get(row[key])
        if obj is None:
            obj = model(**row)
            session.add(obj)
            existing[row[key]] = obj
            tally["created"] += 1
            continue

        changed = False
        for name, value in row.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            tally["updated"] += 1

    # Children of these rows need their ids.
    session.flush()
    return existing


def _get_by_code(session: Session, model, code: str):
    """Return the row of `model` with `code`, or raise LookupError naming the missing code."""
    obj = session.scalars(sa.select(model).where(model.code == code)).one_or_none()
    if obj is None:
        raise LookupError(f"{model.__name__} with code {code!r} not found; run seed_referential first")
    return obj
