"""Helpers shared by the supervision screens."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404

from bullying.audit.models import Outcome
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError
from inspections.uploads import SUFFIXES


def _or_404(qs, pk, *, user, object_type: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        audit_record(
            action="access.denied", outcome=Outcome.DENIED, actor=user, object_type=object_type, object_id=str(pk)
        )
        raise Http404
    return obj


def _refused(request, exc: ApplicationError | PermissionDenied) -> None:
    message = exc.message if isinstance(exc, ApplicationError) else (str(exc) or "无权办理此事项。")
    messages.error(request, message)


def _file(obj, name: str) -> FileResponse:
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=f"{name}{SUFFIXES.get(obj.content_type, '')}",
        content_type=obj.content_type,
    )
