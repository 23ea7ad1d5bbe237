"""Field kinds; importing this package fills the registry in `forms.fields`."""

from . import choices, files, hidden, scalars, temporals  # noqa: F401
