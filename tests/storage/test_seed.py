"""Seeding of the referential and of the demo accounts, on a throwaway SQLite database."""

import re
from datetime import date

import pytest
import sqlalchemy as sa
from argon2 import PasswordHasher
from flask import Flask

from storage import referential
from storage.db import db
from storage.models import Province, Pupil, Region, School, User
from storage.seed import DEMO_USERS, seed_demo_users, seed_referential

MASSAR_PATTERN = re.compile(r"^[A-Z][0-9]{9}$")
PASSWORD = "demo-password"
# Cheap parameters: the test checks the stored hash, not argon2's strength.
HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def session(tmp_path):
    app = Flask(__name__)
    app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{tmp_path / 'seed.sqlite3'}"
    db.init_app(app)
    with app.app_context():
        db.create_all()
        yield db.session
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def seeded(session):
    first_counts = seed_referential(session)
    first_users = seed_demo_users(session, PASSWORD, HASHER)
    session.commit()
    return session, first_counts, first_users


def _user(session, username):
    return session.scalars(sa.select(User).where(User.username == username)).one()


def _school(session, index):
    return session.scalars(sa.select(School).where(School.code == referential.DEMO_SCHOOLS[index]["code"])).one()


def test_referential_counts(seeded):
    session, counts, _ = seeded

    assert session.scalar(sa.select(sa.func.count()).select_from(Region)) == 12
    province_count = session.scalar(sa.select(sa.func.count()).select_from(Province))
    assert 75 <= province_count <= 82
    assert counts["regions"] == 12
    assert counts["provinces"] == province_count
    assert counts["schools"] == len(referential.DEMO_SCHOOLS)
    assert counts["pupils"] == len(referential.DEMO_PUPILS)
    assert counts["created"] == 12 + province_count + len(referential.DEMO_SCHOOLS) + len(referential.DEMO_PUPILS)
    assert counts["updated"] == 0


def test_referential_codes_unique(seeded):
    session, _, _ = seeded

    for model, column in (
        (Region, Region.code),
        (Province, Province.code),
        (School, School.code),
        (Pupil, Pupil.massar_code),
    ):
        values = session.scalars(sa.select(column)).all()
        assert len(values) == len(set(values)), model.__name__
    for rows, key in (
        (referential.REGIONS, "code"),
        (referential.PROVINCES, "code"),
        (referential.DEMO_SCHOOLS, "code"),
        (referential.DEMO_PUPILS, "massar_code"),
    ):
        keys = [row[key] for row in rows]
        assert len(keys) == len(set(keys))


def test_regions_have_names_and_academies(seeded):
    session, _, _ = seeded

    for region in session.scalars(sa.select(Region)):
        assert region.name_fr, region.code
        assert region.name_ar, region.code
        assert region.academy_fr.startswith("Académie régionale d'éducation et de formation")
        assert region.academy_ar == "الأكاديمية الجهوية للتربية والتكوين لجهة " + region.name_ar
        assert region.provinces, region.code


def test_provinces_linked_to_regions(seeded):
    session, _, _ = seeded
    region_ids = set(session.scalars(sa.select(Region.id)))

    for province in session.scalars(sa.select(Province)):
        assert province.region_id in region_ids
        assert province.code.startswith(province.region.code)
        assert province.name_fr, province.code
        assert province.name_ar, province.code
    names = set(session.scalars(sa.select(Province.name_fr)))
    assert {"Tanger-Assilah", "M'diq-Fnideq", "Tétouan", "Rabat", "Salé", "Aousserd"} <= names


def test_demo_schools_placement(seeded):
    session, _, _ = seeded
    schools = session.scalars(sa.select(School)).all()
    public = [school for school in schools if school.is_public]
    private = [school for school in schools if not school.is_public]
    first = _school(session, 0)

    assert len(public) == 4
    assert len(private) == 1
    assert first.is_public
    assert first.province.name_fr == "Rabat"
    assert first.province.region.name_fr == "Rabat-Salé-Kénitra"
    assert sum(school.province_id == first.province_id for school in public) >= 3
    assert private[0].province_id == first.province_id
    for school in schools:
        assert school.name_fr, school.code
        assert school.name_ar, school.code


def test_demo_pupils_roster(seeded):
    session, _, _ = seeded

    for school in session.scalars(sa.select(School).where(School.is_public)):
        pupils = school.pupils
        assert 6 <= len(pupils) <= 8, school.code
        assert sum(not pupil.insured for pupil in pupils) >= 2, school.code
        assert sum(pupil.insured for pupil in pupils) > len(pupils) / 2, school.code
    for pupil in session.scalars(sa.select(Pupil)):
        assert MASSAR_PATTERN.match(pupil.massar_code), pupil.massar_code
        assert pupil.first_name, pupil.massar_code
        assert pupil.last_name, pupil.massar_code
        assert pupil.first_name_ar, pupil.massar_code
        assert pupil.last_name_ar, pupil.massar_code
        assert pupil.level
        assert pupil.guardian_name
        # Ages at the start of the 2026-2027 school year.
        age = 2026 - pupil.birth_date.year - ((pupil.birth_date.month, pupil.birth_date.day) > (9, 1))
        assert 6 <= age <= 17, pupil.massar_code
        assert isinstance(pupil.birth_date, date)
        assert bool(pupil.insurance_receipt) == pupil.insured, pupil.massar_code


def test_demo_users_scope(seeded):
    session, _, created = seeded
    first = _school(session, 0)
    second = _school(session, 1)

    assert sorted(created) == sorted(username for username, *_ in DEMO_USERS)
    for username, role, *_ in DEMO_USERS:
        user = _user(session, username)
        assert user.role == role
        assert user.email == f"{username}@sanad.test"
        assert user.locale == "fr"
        assert user.full_name
        assert user.active
        assert HASHER.verify(user.password_hash, PASSWORD)

    region_id = first.province.region_id
    expected_scopes = {
        "ecole.demo": (first.id, first.province_id, region_id),
        "ecole2.demo": (second.id, second.province_id, second.province.region_id),
        "province.demo": (None, first.province_id, region_id),
        "region.demo": (None, None, region_id),
        "parent.demo": (None, None, None),
        "central.demo": (None, None, None),
        "analyste.demo": (None, None, None),
        "admin.demo": (None, None, None),
    }
    for username, (school_id, province_id, expected_region_id) in expected_scopes.items():
        user = _user(session, username)
        assert user.school_id == school_id, username
        assert user.province_id == province_id, username
        assert user.region_id == expected_region_id, username


def test_parent_guardian_of_first_school(seeded):
    session, _, _ = seeded
    parent = _user(session, "parent.demo")
    first = _school(session, 0)

    assert first.pupils
    for pupil in first.pupils:
        assert pupil.guardian_id == parent.id, pupil.massar_code
    others = session.scalars(sa.select(Pupil).where(Pupil.school_id != first.id)).all()
    assert others
    for pupil in others:
        assert pupil.guardian_id is None, pupil.massar_code


def test_second_school_without_guardian_accounts(seeded):
    session, _, _ = seeded
    second = _school(session, 1)

    assert second.pupils
    for pupil in second.pupils:
        assert pupil.guardian_id is None
        assert pupil.guardian_name


def test_seeding_twice_changes_nothing(seeded):
    session, first_counts, _ = seeded
    ids_before = {
        model.__name__: dict(session.execute(sa.select(column, model.id)).all())
        for model, column in (
            (Region, Region.code),
            (Province, Province.code),
            (School, School.code),
            (Pupil, Pupil.massar_code),
            (User, User.username),
        )
    }
    hashes_before = dict(session.execute(sa.select(User.username, User.password_hash)).all())
    guardians_before = dict(session.execute(sa.select(Pupil.massar_code, Pupil.guardian_id)).all())

    second_counts = seed_referential(session)
    second_users = seed_demo_users(session, "another-password", HASHER)
    session.commit()

    assert second_counts["created"] == 0
    assert second_counts["updated"] == 0
    for key in ("regions", "provinces", "schools", "pupils"):
        assert second_counts[key] == first_counts[key]
    assert second_users == []
    for model, column in (
        (Region, Region.code),
        (Province, Province.code),
        (School, School.code),
        (Pupil, Pupil.massar_code),
        (User, User.username),
    ):
        assert dict(session.execute(sa.select(column, model.id)).all()) == ids_before[model.__name__]
    assert dict(session.execute(sa.select(User.username, User.password_hash)).all()) == hashes_before
    assert HASHER.verify(_user(session, "ecole.demo").password_hash, PASSWORD)
    assert dict(session.execute(sa.select(Pupil.massar_code, Pupil.guardian_id)).all()) == guardians_before


def test_seeding_restores_edited_row(seeded):
    session, _, _ = seeded
    region = session.scalars(sa.select(Region).where(Region.code == "04")).one()
    region_id = region.id
    region.name_fr = "Edited"
    session.commit()

    counts = seed_referential(session)
    session.commit()

    assert counts["created"] == 0
    assert counts["updated"] == 1
    region = session.get(Region, region_id)
    assert region.name_fr == "Rabat-Salé-Kénitra"


def test_demo_users_need_referential(session):
    with pytest.raises(LookupError, match="seed_referential"):
        seed_demo_users(session, PASSWORD, HASHER)
