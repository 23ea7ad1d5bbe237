"""Exceptions raised by the forms package."""


class FormSchemaError(ValueError):
    """A form file or UI schema that breaks the form-file conventions."""


class FormDataError(ValueError):
    """A submission whose overall shape is wrong, such as a JSON payload that is not an object."""
