"""The French and Arabic catalogs: complete, with the right plural forms, covering the service messages."""

from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "web" / "translations"


def load_catalog(locale: str):
    with open(TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po", "rb") as handle:
        return read_po(handle, locale=locale)


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_catalog_fully_translated(locale):
    catalog = load_catalog(locale)
    untranslated = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or "fuzzy" in message.flags:
            untranslated.append(message.id)
    assert untranslated == []


def test_arabic_plural_forms():
    catalog = load_catalog("ar")
    assert catalog.num_plurals == 6
    plurals = [message for message in catalog if isinstance(message.id, tuple)]
    assert plurals
    for message in plurals:
        assert len(message.string) == 6, message.id


@pytest.mark.parametrize("locale", ["fr", "ar"])
def test_service_messages_in_catalog(locale):
    from engine.services import documents, mail

    catalog = load_catalog(locale)
    for text in [*documents.UPLOAD_MESSAGES.values(), *mail.BODIES.values(), *mail.SUBJECTS.values()]:
        message = catalog.get(text)
        assert message is not None, text
        assert message.string, text
