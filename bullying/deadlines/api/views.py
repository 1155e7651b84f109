"""The caller's in-app notifications (API.md ``/api/v1/notifications/``)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from bullying.api import ScopedViewSet
from bullying.deadlines.api.serializers import MarkReadSerializer, NotificationSerializer
from bullying.deadlines.models import Notification
from bullying.deadlines.notifications import notifications_mark_read


class NotificationViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The caller's own in-app notifications."""

    serializer_class = NotificationSerializer
    filterset_fields: list[str] = []

    def get_scoped_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        qs = Notification.objects.filter(recipient_id=self.request.user.pk)
        if self.request.query_params.get("unread") in ("1", "true"):
            qs = qs.filter(read_at__isnull=True)
        return qs

    @extend_schema(request=MarkReadSerializer, responses={200: None})
    @action(detail=False, methods=["post"])
    def read(self, request):
        data = MarkReadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = notifications_mark_read(user=request.user, ids=data.validated_data.get("ids"))
        return Response({"marked": count})
