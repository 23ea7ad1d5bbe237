"""Errors raised by the application services; the web layer maps each one to a status code."""

from __future__ import annotations


class ServiceError(Exception):
    """Base class; `code` is stable and `message` is an English message id, filled from `params`."""

    code = "service_error"
    status = 400

    def __init__(self, message: str, **params):
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


class NotFound(ServiceError):
    """The record does not exist, or is outside the user's scope; the response is the same for both."""

    code = "not_found"
    status = 404


class Forbidden(ServiceError):
    """The user may see the record but not do this to it."""

    code = "forbidden"
    status = 403


class Conflict(ServiceError):
    """The task or record changed since the user loaded it; `params` names who changed it and when."""

    code = "conflict"
    status = 409


class InvalidData(ServiceError):
    """Submitted data failed validation.

    `errors` maps each field to its messages, with the key "" for the whole form. `values` contains what the user
    sent, ready to refill the form, with the references of files already stored.
    """

    code = "invalid_data"
    status = 422

    def __init__(self, errors: dict[str, list[str]], values: dict | None = None):
        super().__init__("Some fields are invalid; correct them and submit again.")
        self.errors = errors
        self.values = values or {}


class ProcessFailure(ServiceError):
    """A diagram's script, condition or timer failed, so the step was rolled back."""

    code = "process_failure"
    status = 500
