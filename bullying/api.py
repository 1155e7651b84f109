"""Shared API plumbing: pagination, the error shape, the scoped base viewset."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, viewsets
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from bullying.audit.services import audit_denied
from bullying.errors import ApplicationError


def exception_handler(exc, context):
    """Domain errors become 400 ``{"detail": "…"}``; denials are audited."""
    if isinstance(exc, ApplicationError):
        if exc.field:
            return Response({exc.field: [exc.message], "detail": exc.message}, status=400)
        return Response({"detail": exc.message}, status=400)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages})
    request = context.get("request")
    denied = (exceptions.PermissionDenied, DjangoPermissionDenied)
    if isinstance(exc, (*denied, Http404, exceptions.NotFound)) and request:
        audit_denied(
            actor=getattr(request, "user", None),
            object_type="path",
            object_id=request.path,
            detail={"method": request.method, "status": 403 if isinstance(exc, denied) else 404},
        )
    if isinstance(exc, DjangoPermissionDenied) and exc.args:
        exc = exceptions.PermissionDenied(detail=str(exc.args[0]))  # keep the service's reason
    if isinstance(exc, Http404):
        # get_object_or_404's English "No Case matches the given query." names the model;
        # the same short Chinese answer whatever was not found.
        exc = exceptions.NotFound()
    return drf_exception_handler(exc, context)


class ScopedViewSet(viewsets.GenericViewSet):
    """Base for every API viewset: the queryset is always restricted to the caller.

    Subclasses implement ``get_scoped_queryset()`` with a selector from the one scoping
    rule; objects outside it are 404 because they are never in the queryset.
    """

    def get_scoped_queryset(self):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def get_queryset(self):
        return self.get_scoped_queryset()
