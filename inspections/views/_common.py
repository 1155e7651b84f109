"""Helpers shared by the supervision screens."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest

from bullying.errors import ApplicationError
from bullying.steps import refusal_message
from bullying.uploads import SUFFIXES


def refused(request: HttpRequest, exc: ApplicationError | PermissionDenied) -> None:
    messages.error(request, refusal_message(exc))


def file_response(obj, name: str) -> FileResponse:
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=f"{name}{SUFFIXES.get(obj.content_type, '')}",
        content_type=obj.content_type,
    )
