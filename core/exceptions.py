"""Exceptions the services raise that the API maps to a status of their own."""

from django.core.exceptions import ValidationError


class ServiceConflict(ValidationError):
    """A write refused because of the record's current state, not because of its input (API: 409).

    A ValidationError, so forms show it like any other refusal; the API answers 409 instead of 400.
    Apps subclass it (contributions' TransitionNotAllowed), so `core` names the kind of error
    without knowing any app.
    """
