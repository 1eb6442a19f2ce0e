"""Pages of the openness verdicts: the overview of all model artifacts, one artifact's readings
beside the third-party assessments, the Model Openness Tool upload (on an artifact, or several
files at once for staff) and the export.

Uploads are refused before their bytes are kept: a request larger than the limit is answered
413 before its body is read, and a file that is not named .yml/.yaml (415) or grows past 1 MB
(413) is skipped by an upload handler as it streams in. Setting that handler requires the
request body to be unread, so the upload views are csrf_exempt on the outside and csrf_protect
on the inside, as Django's documentation shows.
"""

from __future__ import annotations

from http import HTTPStatus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.limits import MAX_SHOWN_PROBLEMS, capped_with_summary
from projects import selectors
from projects.choices import ArtifactKind
from projects.models import Artifact
from projects.openness.export import artifact_export_mot, export_file_name, export_queryset
from projects.openness.filters import OpennessFilterSet
from projects.openness.importers.common import safe_file_name
from projects.openness.importers.mot import (
    FATAL_PROBLEMS,
    MAX_MOT_FILE_BYTES,
    MOT_FILE_SUFFIXES,
    mot_import,
    mot_import_many,
)
from projects.openness.mot_file import parse_mot
from projects.openness.selectors import openness_overview, openness_panel
from projects.permissions import can_bulk_import, can_upload_mot

PAGE_SIZE = 50
# Django refuses more than DATA_UPLOAD_MAX_NUMBER_FILES (100 by default) files in one request.
MAX_BULK_FILES = 100
# Room for the multipart boundaries and the other form fields.
REQUEST_OVERHEAD = 64 * 1024
LIMIT_TEXT = f"{MAX_MOT_FILE_BYTES // (1024 * 1024)} MB"


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _visible_model(request: HttpRequest, slug: str, queryset=None) -> Artifact:
    queryset = queryset if queryset is not None else selectors.artifacts_visible_to(request.user)
    artifact = get_object_or_404(queryset, slug=slug)
    if artifact.kind != ArtifactKind.MODEL:
        raise Http404("Openness verdicts are kept for model releases only.")
    return artifact


# PUBLIC PAGES
# ------------------------------------------------------------------------------
@require_GET
def overview(request: HttpRequest) -> HttpResponse:
    filterset = OpennessFilterSet(request.GET or None, queryset=openness_overview(request.user))
    page = Paginator(filterset.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/openness_overview.html",
        {
            "filter": filterset,
            "page": page,
            "query": _query_without_page(request),
            "can_bulk_import": can_bulk_import(request.user),
        },
    )


def _artifact_page(
    request: HttpRequest, artifact: Artifact, *, errors=(), status=HTTPStatus.OK
) -> HttpResponse:
    return render(
        request,
        "projects/openness_artifact.html",
        {
            "artifact": artifact,
            "project": artifact.project,
            "panel": openness_panel(artifact),
            "can_upload": can_upload_mot(request.user, artifact),
            "errors": errors,
            "limit": LIMIT_TEXT,
        },
        status=status,
    )


@require_GET
def artifact_openness(request: HttpRequest, slug: str) -> HttpResponse:
    return _artifact_page(request, _visible_model(request, slug))


@require_GET
def artifact_export(request: HttpRequest, slug: str) -> HttpResponse:
    """The artifact as a Model Openness Tool file, for anyone who may see it."""
    artifact = _visible_model(
        request,
        slug,
        export_queryset().filter(pk__in=selectors.artifacts_visible_to(request.user).values("pk")),
    )
    response = HttpResponse(artifact_export_mot(artifact), content_type="application/yaml")
    name = export_file_name(artifact).replace('"', "")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# UPLOADS
# ------------------------------------------------------------------------------
class MotUploadHandler(FileUploadHandler):
    """Skips a file that is not named .yml/.yaml, or that grows past the limit, while it
    streams in, and says why in `refused` (file name, status, message)."""

    def __init__(self, request=None, limit: int = MAX_MOT_FILE_BYTES):
        super().__init__(request)
        self.limit = limit
        self.size = 0
        self.skip = False
        self.refused: list[tuple[str, HTTPStatus, str]] = []

    def new_file(self, field_name, file_name, *args, **kwargs):
        super().new_file(field_name, file_name, *args, **kwargs)
        self.size = 0
        # Skipped at its first chunk, not here: skipping before the next handlers have opened
        # the file would make the parser close the previous file's buffer instead.
        self.skip = not file_name.lower().endswith(MOT_FILE_SUFFIXES)
        if self.skip:
            self.refused.append(
                (
                    file_name,
                    HTTPStatus.UNSUPPORTED_MEDIA_TYPE,
                    f"{file_name} is not a YAML file: Model Openness Tool files end in .yml or "
                    ".yaml.",
                )
            )

    def receive_data_chunk(self, raw_data, start):
        if self.skip:
            raise SkipFile
        self.size += len(raw_data)
        if self.size > self.limit:
            self.refused.append(
                (
                    self.file_name,
                    HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                    f"{self.file_name} is larger than {LIMIT_TEXT}, the limit for one file.",
                )
            )
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large(request: HttpRequest, files: int) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > files * MAX_MOT_FILE_BYTES + REQUEST_OVERHEAD


def _read_uploads(request: HttpRequest, handler: MotUploadHandler):
    """(files as (name, text), errors as (status, message)); nothing is imported on an error."""
    uploads = request.FILES.getlist("files")
    errors = [(status, message) for _, status, message in handler.refused]
    files = []
    refused = {name for name, _, _ in handler.refused}
    for upload in uploads:
        name = safe_file_name(upload.name)
        if upload.name in refused or not name.lower().endswith(MOT_FILE_SUFFIXES):
            continue  # refused above (an empty file never reaches the chunk check)
        try:
            files.append((name, upload.read().decode("utf-8")))
        except UnicodeDecodeError:
            errors.append((HTTPStatus.BAD_REQUEST, f"{name} is not UTF-8 text."))
    if not uploads and not errors:
        errors.append((HTTPStatus.BAD_REQUEST, "Choose a Model Openness Tool file to upload."))
    for name, text in files:
        release = parse_mot(text, source=name)
        fatal = [p for p in release.problems if p.startswith(FATAL_PROBLEMS)]
        if release.refusal is not None:
            errors.append((HTTPStatus.BAD_REQUEST, f"{name}: {release.refusal}"))
        elif fatal:
            errors.append(
                (
                    HTTPStatus.BAD_REQUEST,
                    f"{name} is not a Model Openness Tool file: {'; '.join(fatal)}.",
                )
            )
    return files, errors


def _status(errors) -> HTTPStatus:
    return max(status for status, _ in errors)


@csrf_exempt
@login_required
@require_POST
def artifact_upload(request: HttpRequest, slug: str) -> HttpResponse:
    artifact = _visible_model(request, slug)
    if not can_upload_mot(request.user, artifact):
        raise PermissionDenied("Only this project's maintainers and staff import its files.")
    if _too_large(request, 1):
        return _artifact_page(
            request,
            artifact,
            errors=[f"The upload is larger than {LIMIT_TEXT}, the limit for one file."],
            status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        )
    handler = MotUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return _artifact_upload(request, artifact, handler)


@csrf_protect
def _artifact_upload(
    request: HttpRequest, artifact: Artifact, handler: MotUploadHandler
) -> HttpResponse:
    files, errors = _read_uploads(request, handler)
    if not errors and len(files) != 1:
        errors.append((HTTPStatus.BAD_REQUEST, "Upload one file for one artifact."))
    if errors:
        return _artifact_page(
            request, artifact, errors=[m for _, m in errors], status=_status(errors)
        )
    name, text = files[0]
    try:
        result = mot_import(text=text, source_file=name, editor=request.user, artifact=artifact)
    except ValidationError as error:
        return _artifact_page(
            request, artifact, errors=error.messages, status=HTTPStatus.BAD_REQUEST
        )
    if result.changed:
        messages.success(request, f"{name} is imported: the openness record is updated.")
    else:
        messages.info(request, f"{name} changes nothing: the record already says this.")
    for problem in capped_with_summary(result.problems, MAX_SHOWN_PROBLEMS):
        messages.warning(request, f"Not mapped: {problem}")
    return redirect("openness:artifact", slug=artifact.slug)


def _bulk_page(request: HttpRequest, *, results=(), errors=(), status=HTTPStatus.OK):
    return render(
        request,
        "projects/openness_import.html",
        {
            "results": results,
            "errors": errors,
            "limit": LIMIT_TEXT,
            "max_files": MAX_BULK_FILES,
            "shown_problems": f":{MAX_SHOWN_PROBLEMS}",
            "hidden_after": -MAX_SHOWN_PROBLEMS,
        },
        status=status,
    )


@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def bulk_import(request: HttpRequest) -> HttpResponse:
    if not can_bulk_import(request.user):
        raise PermissionDenied("Only staff import Model Openness Tool files in bulk.")
    if request.method == "GET":
        return _bulk_page(request)
    if _too_large(request, MAX_BULK_FILES):
        return _bulk_page(
            request,
            errors=[f"The upload is larger than {MAX_BULK_FILES} files of {LIMIT_TEXT}."],
            status=HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
        )
    handler = MotUploadHandler(request)
    request.upload_handlers.insert(0, handler)
    return _bulk_import(request, handler)


@csrf_protect
def _bulk_import(request: HttpRequest, handler: MotUploadHandler) -> HttpResponse:
    files, errors = _read_uploads(request, handler)
    if errors:
        return _bulk_page(request, errors=[m for _, m in errors], status=_status(errors))
    results = mot_import_many(files=files, editor=request.user)
    return _bulk_page(request, results=results)
