"""The one way an HTML view fetches a scoped object: outside scope is 404, and audited."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from bullying.audit.services import audit_denied

M = TypeVar("M", bound=Model)


def get_in_scope_or_404(request, queryset: QuerySet[M], pk) -> M:
    """The object ``pk`` of ``queryset``, which is already restricted to the caller (a
    selector such as ``cases_visible_to``); a miss is a denial, recorded and answered 404
    so the object's existence does not leak.

    A child row (a measure, an attachment, an item of a rectification) is fetched through
    its parent's scoped queryset (``Measure.objects.filter(case=case)``), so an id of
    another parent's row is a 404 and audited the same way. A malformed id is a 404 too.
    """
    try:
        obj = queryset.filter(pk=pk).first()
    except (TypeError, ValueError):
        obj = None
    if obj is None:
        audit_denied(actor=request.user, object_type=queryset.model._meta.label_lower, object_id=pk)
        raise Http404
    return obj
