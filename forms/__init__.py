"""Form files (JSON Schema plus UI hints) turned into a field model, parsed, coerced and validated."""

from .context import FormContext
from .dataurl import DataURLError, parse_data_url
from .drafts import draft_payload, load_draft, to_html_values
from .errors import FormDataError, FormSchemaError
from .fields import FIELD_TYPES, MISSING, Field, register
from .form import Fieldset, Form
from .parsing import parse_html, parse_json
from .schema import resolve
from .uploads import (
    MAX_UPLOAD_BYTES,
    InvalidUpload,
    UploadedFile,
    is_document_reference,
)
from .validation import validate

__all__ = [
    "FIELD_TYPES",
    "MAX_UPLOAD_BYTES",
    "MISSING",
    "DataURLError",
    "Field",
    "Fieldset",
    "Form",
    "FormContext",
    "FormDataError",
    "FormSchemaError",
    "InvalidUpload",
    "UploadedFile",
    "draft_payload",
    "is_document_reference",
    "load_draft",
    "parse_data_url",
    "parse_html",
    "parse_json",
    "register",
    "resolve",
    "to_html_values",
    "validate",
]
