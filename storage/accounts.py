"""Passwords and API bearer tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from .db import db
from .models import ApiToken, User, utcnow

password_hasher = PasswordHasher()

# Verified against when the username is unknown, so a failed login takes as long either way.
_DUMMY_HASH = password_hasher.hash("not-a-real-password")


def authenticate(username: str, password: str) -> User | None:
    """Return the active user with these credentials, or None; the same result for a wrong name or password."""
    user = db.session.scalar(sa.select(User).where(User.username == username.strip()))
    try:
        password_hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None or not user.active:
        return None
    return user


def upgraded_hash(user: User, password: str) -> str | None:
    """Return a new hash of a just verified password when the stored one uses older parameters, else None."""
    if password_hasher.check_needs_rehash(user.password_hash):
        return password_hasher.hash(password)
    return None


def issue_token(user: User, ttl_seconds: int) -> str:
    """Create a bearer token for `user` and return it; only its SHA-256 is kept."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        ApiToken(
            user_id=user.id,
            token_sha256=hashlib.sha256(token.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(seconds=ttl_seconds),
        )
    )
    return token


def user_for_token(token: str) -> User | None:
    """Return the active user a valid, unexpired bearer token belongs to, or None."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    found = db.session.execute(
        sa.select(ApiToken.expires_at, User).join(User, User.id == ApiToken.user_id)
        .where(ApiToken.token_sha256 == digest)
    ).first()
    if found is None or found.expires_at <= utcnow() or not found.User.active:
        return None
    return found.User
