"""Persistence: SQLAlchemy models and queries, the document file store and the audit log.

Nothing here imports from `web/` or `engine/`.
"""

from .db import db

__all__ = ["db"]
