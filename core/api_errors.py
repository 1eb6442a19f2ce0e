"""The API's one error shape, the handler that produces it, and its place in the OpenAPI schema.

Every error answers

    {"status": 400, "code": "invalid", "detail": "title: Give the contribution a title.",
     "errors": {"title": ["Give the contribution a title."]}}

`detail` is one sentence a person can act on; `errors` maps each field (dotted for nested input,
`non_field_errors` otherwise) to its messages. A throttled request adds `retry_after` (seconds), as
does its Retry-After header.

Services raise Django's exceptions, never DRF's, so the mapping lives here once:
ValidationError -> 400; ServiceConflict (a refusal because of the record's state, such as
contributions' TransitionNotAllowed and ModerationConflict) -> 409; PermissionDenied -> 403.
The 404-not-403 rule needs no mapping: views look objects up in what the caller may see (the
selectors), so an object outside it is a 404 before any permission is asked.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import set_rollback

from core.exceptions import ServiceConflict

NON_FIELD = "non_field_errors"

DEFAULT_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "permission_denied",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"


def _flatten(errors: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF nests errors of lists and nested serializers; clients get flat, dotted keys."""
    flat: dict[str, list[str]] = {}
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = str(key) if not prefix else f"{prefix}.{key}"
            for k, v in _flatten(value, name).items():
                flat.setdefault(k, []).extend(v)
    elif isinstance(errors, list | tuple):
        if all(not isinstance(item, dict | list | tuple) for item in errors):
            flat[prefix or NON_FIELD] = [str(item) for item in errors]
        else:
            for index, item in enumerate(errors):
                if item:  # DRF's ListSerializer answers {} for the valid items
                    name = f"{prefix}.{index}" if prefix else str(index)
                    for k, v in _flatten(item, name).items():
                        flat.setdefault(k, []).extend(v)
    else:
        flat[prefix or NON_FIELD] = [str(errors)]
    return flat


def _summary(errors: dict[str, list[str]]) -> str:
    """The first message, named by its field, and how many more there are."""
    field, messages = next(iter(errors.items()))
    first = messages[0] if field == NON_FIELD else f"{field}: {messages[0]}"
    more = sum(len(m) for m in errors.values()) - 1
    return first if not more else f"{first} (and {more} more: see `errors`)"


def error_body(
    status_code: int, detail: str, *, code: str = "", errors: dict[str, list[str]] | None = None
) -> dict[str, Any]:
    return {
        "status": status_code,
        "code": code or DEFAULT_CODES.get(status_code, "error"),
        "detail": detail,
        "errors": errors or {},
    }


def _django_validation_messages(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {
            (NON_FIELD if field == "__all__" else field): list(messages)
            for field, messages in exc.message_dict.items()
        }
    return {NON_FIELD: list(exc.messages)}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    """DRF's EXCEPTION_HANDLER: every error the API answers goes through here."""
    if isinstance(exc, ServiceConflict):
        # Before ValidationError (its base): a refusal because of the record's current state.
        messages = _django_validation_messages(exc)
        exc = Conflict(detail=_summary(messages), code=getattr(exc, "code", None) or "conflict")
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(detail=str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, IntegrityError):
        # A unique value taken between validation and insert (two requests racing).
        exc = Conflict("That conflicts with a record saved at the same moment; reload and retry.")

    if not isinstance(exc, exceptions.APIException):
        return None  # a bug: let Django answer 500 and log it

    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    body: dict[str, Any]
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail) or {NON_FIELD: ["Invalid input."]}
        body = error_body(exc.status_code, _summary(errors), errors=errors)
    else:
        detail = exc.detail
        code = detail.code if isinstance(detail, exceptions.ErrorDetail) else ""
        body = error_body(exc.status_code, str(detail), code=code or "")
    if isinstance(exc, exceptions.Throttled):
        wait = max(1, round(exc.wait or 1))
        headers["Retry-After"] = str(wait)
        body["retry_after"] = wait
        body["detail"] = f"Too many requests: retry in {wait} seconds."
    set_rollback()
    return Response(body, status=exc.status_code, headers=headers)


# OPENAPI: the error shape, and which errors each operation can answer
# ------------------------------------------------------------------------------
ERROR_COMPONENT = {
    "type": "object",
    "description": "The one shape of every error response.",
    "properties": {
        "status": {"type": "integer", "description": "The HTTP status, repeated."},
        "code": {"type": "string", "description": "A stable machine-readable code."},
        "detail": {"type": "string", "description": "What went wrong, for a person."},
        "errors": {
            "type": "object",
            "description": "Messages per field (dotted for nested input).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
        "retry_after": {
            "type": "integer",
            "description": "Seconds to wait before retrying (429 only).",
        },
    },
    "required": ["status", "code", "detail", "errors"],
}

_ERROR_DESCRIPTIONS = {
    "400": "Invalid input or filter; `errors` names each field.",
    "401": "Not authenticated, or the token is unknown or revoked.",
    "403": "Authenticated but not allowed to do this.",
    "404": "Not found, or not visible to the caller.",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "409": "The entry's current status does not allow this action (or another moderator won).",
    "415": "Unsupported media type.",
    "429": "Throttled; see Retry-After.",
}

_UNSAFE = {"post", "put", "patch", "delete"}


def document_error_responses(result: dict, generator, request, public) -> dict:
    """drf-spectacular postprocessing hook: add the Error component and the error responses
    every operation can give, so clients and schemathesis know the full contract."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = ERROR_COMPONENT
    ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in _UNSAFE | {"get", "head", "options"}:
                continue
            codes = {"401", "406", "429"}
            if operation.get("parameters") or method in _UNSAFE:
                codes.add("400")
            if "{" in path:
                codes.add("404")
            if method in _UNSAFE:
                codes |= {"403", "405", "415"}
            if method in _UNSAFE and path.startswith("/api/v1/contributions/{"):
                codes.add("409")
            if method in _UNSAFE and path.startswith("/api/v1/projects/"):
                codes.add("409")  # an artifact or project slug taken by a racing request
            if method in _UNSAFE and path.startswith("/api/v1/artifacts/"):
                codes.add("409")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                responses.setdefault(
                    code,
                    {
                        "description": _ERROR_DESCRIPTIONS[code],
                        "content": {"application/json": {"schema": ref}},
                    },
                )
            if "429" in responses:
                responses["429"].setdefault(
                    "headers",
                    {
                        "Retry-After": {
                            "schema": {"type": "integer"},
                            "description": "Seconds to wait.",
                        }
                    },
                )
    return result
