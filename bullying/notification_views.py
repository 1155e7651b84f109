"""The notification centre (HTML and API) and the 督办 list of the office above."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.models import OFFICE_ROLES
from accounts.selectors import restrict
from bullying.api import ScopedViewSet
from bullying.notifications import Notification, notifications_mark_read
from bullying.reminders import Escalation


def escalations_visible_to(user):
    """Open 督办 items addressed to an office in the caller's subtree."""
    return restrict(
        Escalation.objects.filter(resolved_at__isnull=True), user, via="escalation_unit", roles=OFFICE_ROLES
    ).select_related("unit", "escalation_unit")


@login_required
def notification_list(request):
    qs = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.link or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
def escalation_list(request):
    page = Paginator(escalations_visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/escalations.html", {"page": page})


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "link", "created_at", "is_read"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(), required=False, help_text="不填则全部标为已读")


class NotificationViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The caller's own in-app notifications."""

    serializer_class = NotificationSerializer
    filterset_fields: list[str] = []

    def get_scoped_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        qs = Notification.objects.filter(recipient=self.request.user)
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
