"""Every message of the French and Arabic catalogs has a translation."""

from __future__ import annotations

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


def untranslated(locale: str) -> list[str]:
    """Return the message ids of `locale`'s catalog that are empty or fuzzy."""
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = read_po(handle, locale=locale)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            missing.append(message.id if isinstance(message.id, str) else message.id[0])
    return missing


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_catalog_has_no_untranslated_message(locale):
    assert untranslated(locale) == []


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_catalog_covers_template(locale):
    with open(TRANSLATIONS / "messages.pot", "rb") as handle:
        template = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)
                    if message.id}
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalog = {message.id if isinstance(message.id, str) else message.id[0] for message in read_po(handle)
                   if message.id}
    assert sorted(template - catalog) == []
