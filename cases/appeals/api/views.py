"""Appeal API (API.md "Appeals (county)"). Every step is an explicit action calling one
service; the queryset is always ``appeal_selectors.appeals_visible_to`` the caller, so an
appeal outside the caller's scope is 404, and a step the caller may not take is 403."""

from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import User
from bullying.api import ScopedViewSet
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError
from cases import selectors
from cases.appeals import pdf as appeal_pdf
from cases.appeals import selectors as appeal_selectors
from cases.appeals import services as appeal_services
from cases.appeals.api import serializers as s
from cases.appeals.filters import AppealFilter
from cases.appeals.models import AppealAttachment
from cases.privacy import PrivacyScope


def record_read(*, actor, appeal, via: str) -> None:
    """Reads of an appeal (it holds children's and a parent's personal data) are audited."""
    audit_record(action="appeal.read", actor=actor, obj=appeal, detail={"via": via, "case": appeal.case_id})


class AppealViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    filterset_class = AppealFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_scoped_queryset(self):
        if self.action == "list":
            return appeal_selectors.appeal_list(self.request.user)
        return appeal_selectors.appeal_detail_queryset(self.request.user)

    def get_serializer_class(self):
        return s.AppealListSerializer if self.action == "list" else s.AppealDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        user = self.request.user
        context["privacy"] = PrivacyScope(user, with_grant=False)
        return context

    def _detail(self, appeal, *, status_code=200):
        user = self.request.user
        appeal = appeal_selectors.appeal_detail_queryset(user).filter(pk=appeal.pk).first()
        if appeal is None:  # the write took the appeal out of the caller's scope
            raise Http404
        context = {"request": self.request, "privacy": appeal_selectors.appeal_privacy(user, appeal)}
        return Response(s.AppealDetailSerializer(appeal, context=context).data, status=status_code)

    def _step(self, serializer_class, request):
        appeal = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return appeal, data.validated_data

    def retrieve(self, request, *args, **kwargs):
        appeal = self.get_object()
        record_read(actor=request.user, appeal=appeal, via="api")
        return self._detail(appeal)

    @extend_schema(request=s.AppealCreateSerializer, responses={201: s.AppealDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = s.AppealCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = selectors.case_detail_queryset(request.user).filter(pk=v["case"]).first()
        if case is None:
            raise ApplicationError("案件不存在或不在您的管辖范围内。", field="case")
        appeal = appeal_services.appeal_lodge(
            actor=request.user,
            case=case,
            appellant_name=v["appellant_name"],
            appellant_relation=v["appellant_relation"],
            grounds=v["grounds"],
            received_on=v.get("received_on"),
            attachments=request.FILES.getlist("attachments"),
        )
        return self._detail(appeal, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonsSerializer, responses={200: s.AppealDetailSerializer})
    @action(detail=True, methods=["post"], url_path="accept-review")
    def accept_review(self, request, pk=None):
        appeal, v = self._step(s.ReasonsSerializer, request)
        appeal_services.appeal_accept_review(
            actor=request.user, appeal=appeal, reasons=v.get("reasons", ""), on=v.get("on")
        )
        return self._detail(appeal)

    @extend_schema(request=s.ReasonsSerializer, responses={200: s.AppealDetailSerializer})
    @action(detail=True, methods=["post"])
    def uphold(self, request, pk=None):
        appeal, v = self._step(s.ReasonsSerializer, request)
        appeal_services.appeal_uphold(actor=request.user, appeal=appeal, reasons=v.get("reasons", ""), on=v.get("on"))
        return self._detail(appeal)

    @extend_schema(request=s.ReferLegalSerializer, responses={200: s.AppealDetailSerializer})
    @action(detail=True, methods=["post"], url_path="refer-legal")
    def refer_legal(self, request, pk=None):
        appeal, v = self._step(s.ReferLegalSerializer, request)
        appeal_services.appeal_refer_legal(
            actor=request.user,
            appeal=appeal,
            reasons=v.get("reasons", ""),
            legal_route=v.get("legal_route", ""),
            legal_route_note=v.get("legal_route_note", ""),
            on=v.get("on"),
        )
        return self._detail(appeal)

    @extend_schema(request=s.PanelSerializer, responses={200: s.AppealDetailSerializer})
    @action(detail=True, methods=["post"])
    def panel(self, request, pk=None):
        appeal, v = self._step(s.PanelSerializer, request)
        ids = [m["user"] for m in v["members"]]
        users = User.objects.in_bulk(ids)
        unknown = [i for i in ids if i not in users]
        if unknown:
            raise ApplicationError(f"用户 {', '.join(map(str, unknown))} 不存在。", field="members")
        appeal_services.appeal_form_panel(
            actor=request.user,
            appeal=appeal,
            members=[(users[m["user"]], m["kind"]) for m in v["members"]],
            on=v.get("on"),
        )
        return self._detail(appeal)

    @extend_schema(request=s.DecideSerializer, responses={200: s.AppealDetailSerializer})
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        appeal, v = self._step(s.DecideSerializer, request)
        agreed_by = None
        if "agreed_by" in v:
            agreed_by = list(User.objects.filter(pk__in=v["agreed_by"]))
        appeal_services.appeal_decide(
            actor=request.user,
            appeal=appeal,
            is_bullying=v["is_bullying"],
            severity=v.get("severity", ""),
            opinion=v["opinion"],
            agreed_by=agreed_by,
            agreement_note=v.get("agreement_note", ""),
            on=v.get("on"),
        )
        return self._detail(appeal)

    @extend_schema(request=s.FileSerializer, responses={200: s.AppealDetailSerializer})
    @action(detail=True, methods=["post"])
    def file(self, request, pk=None):
        appeal, v = self._step(s.FileSerializer, request)
        appeal_services.appeal_file(actor=request.user, appeal=appeal, note=v.get("note", ""), on=v.get("on"))
        return self._detail(appeal)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def notice(self, request, pk=None):
        """The review decision (复查决定书) to the school, the parents and the students."""
        appeal = self.get_object()
        content = appeal_pdf.review_decision_pdf(appeal=appeal, viewer=request.user)
        record_read(actor=request.user, appeal=appeal, via="notice_pdf")
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="review-decision-{appeal.pk}.pdf"'
        return response

    @extend_schema(responses={200: bytes})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)")
    def attachment(self, request, pk=None, attachment_id=None):
        appeal = self.get_object()
        attachment = AppealAttachment.objects.filter(appeal=appeal, pk=attachment_id).first()
        if attachment is None:
            raise Http404
        record_read(actor=request.user, appeal=appeal, via=f"attachment:{attachment.pk}")
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=f"appeal-attachment-{attachment.pk}",
            content_type=attachment.content_type,
        )
