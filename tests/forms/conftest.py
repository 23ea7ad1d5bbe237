"""Fixtures for the forms tests."""

from __future__ import annotations

import pytest
from form_samples import load_sample, make_context

from forms import Form, FormContext


@pytest.fixture
def context() -> FormContext:
    return make_context()


@pytest.fixture
def build():
    """Return a function that builds a sample form by name."""

    def build_sample(name: str, context: FormContext | None = None) -> Form:
        schema, ui_schema = load_sample(name)
        return Form.build(schema, ui_schema, context or make_context())

    return build_sample
