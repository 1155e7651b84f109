"""The one way an HTML view fetches a scoped object: outside scope is 404, and audited."""

from django.db.models import QuerySet
from django.http import Http404

from bullying.audit.models import Outcome
from bullying.audit.services import audit_record


def get_in_scope_or_404(request, queryset: QuerySet, pk: int):
    """``queryset`` is already restricted to the caller (a selector); a miss is a denial."""
    obj = queryset.filter(pk=pk).first()
    if obj is None:
        audit_record(
            action="access.denied",
            outcome=Outcome.DENIED,
            actor=request.user,
            object_type=queryset.model._meta.label_lower,
            object_id=str(pk),
        )
        raise Http404
    return obj
