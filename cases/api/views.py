"""Case API (API.md "Cases"). Every step is an explicit action calling one service."""

from django.http import FileResponse, HttpResponse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import OrgUnit, User
from bullying.api import ScopedViewSet
from bullying.errors import ApplicationError
from cases import pdf, selectors, services
from cases.api import serializers as s
from cases.filters import CaseFilter
from cases.models import Attachment, Measure, Party
from cases.privacy import privacy_for


class CaseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet):
    filterset_class = CaseFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_scoped_queryset(self):
        if self.action == "list":
            return selectors.case_list(self.request.user).order_by("-reported_on", "-id")
        return selectors.case_detail_queryset(self.request.user)

    def get_serializer_class(self):
        return s.CaseListSerializer if self.action == "list" else s.CaseDetailSerializer

    def _detail(self, case, *, status_code=200, reload=True):
        if reload:  # a service returns its locked copy, without the prefetched parties
            case = selectors.case_detail_queryset(self.request.user).get(pk=case.pk)
        context = {
            "request": self.request,
            "privacy": privacy_for(self.request.user, case),
            "determination": services.current_determination(case),
        }
        return Response(s.CaseDetailSerializer(case, context=context).data, status=status_code)

    def _privacy(self, case) -> dict:
        """Serializer context with the caller's privacy presenter for ``case``."""
        return {"request": self.request, "privacy": privacy_for(self.request.user, case)}

    def _party(self, case, party_id):
        if party_id is None:
            return None
        party = Party.objects.filter(case=case, pk=party_id).first()
        if party is None:
            raise ApplicationError("所选当事人不属于本案。", field="party")
        return party

    def retrieve(self, request, *args, **kwargs):
        case = self.get_object()
        services.case_record_read(actor=request.user, case=case, via="api")
        return self._detail(case, reload=False)

    @extend_schema(request=s.CaseCreateSerializer, responses={201: s.CaseDetailSerializer})
    def create(self, request, *args, **kwargs):
        if not selectors.schools_for_reporting(request.user):
            # An office may see the school's cases but not record one there (API.md: 403).
            raise PermissionDenied("只有学校教职工可以登记事件。")
        data = s.CaseCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        school = OrgUnit.objects.filter(pk=v["school"], level="school").first()
        if school is None or not selectors.can_report_at(request.user, school):
            raise ApplicationError("只能为本人任职的学校登记事件。", field="school")
        case = services.case_open(
            actor=request.user,
            school=school,
            occurred_at=v["occurred_at"],
            location=v["location"],
            source=v["source"],
            forms=v["forms"],
            summary=v["summary"],
            parties=v["parties"],
            on=v.get("on"),
        )
        return self._detail(case, status_code=status.HTTP_201_CREATED)

    def _step(self, serializer_class, request):
        case = self.get_object()
        data = serializer_class(data=request.data)
        data.is_valid(raise_exception=True)
        return case, data.validated_data

    @extend_schema(request=s.OnSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="start-investigation")
    def start_investigation(self, request, pk=None):
        case, v = self._step(s.OnSerializer, request)
        return self._detail(services.case_start_investigation(actor=request.user, case=case, on=v.get("on")))

    @extend_schema(request=s.DetermineSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def determine(self, request, pk=None):
        case, v = self._step(s.DetermineSerializer, request)
        wanted = set(v.get("members_present", []))
        members = list(User.objects.filter(pk__in=wanted))
        if len(members) != len(wanted):
            raise ApplicationError("出席委员中有不存在的用户。", field="members_present")
        services.case_determine(
            actor=request.user,
            case=case,
            is_bullying=v["is_bullying"],
            severity=v.get("severity", ""),
            reasoning=v["reasoning"],
            meeting_on=v.get("meeting_on"),
            members_present=members,
            members_present_note=v.get("members_present_note", ""),
            on=v.get("on"),
        )
        return self._detail(case)

    @extend_schema(request=s.OnSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="sign-off")
    def sign_off(self, request, pk=None):
        case, v = self._step(s.OnSerializer, request)
        services.case_sign_off(actor=request.user, case=case, on=v.get("on"))
        return self._detail(case)

    @extend_schema(methods=["get"], responses={200: s.MeasureSerializer(many=True)})
    @extend_schema(methods=["post"], request=s.MeasureInputSerializer, responses={201: s.MeasureSerializer})
    @action(detail=True, methods=["get", "post"])
    def measures(self, request, pk=None):
        case = self.get_object()
        if request.method == "GET":
            return Response(s.MeasureSerializer(case.measures.all(), many=True, context=self._privacy(case)).data)
        data = s.MeasureInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        measure = services.case_add_measure(
            actor=request.user,
            case=case,
            kind=v["kind"],
            party=self._party(case, v.get("party")),
            description=v.get("description", ""),
            responsible=v["responsible"],
            due_on=v.get("due_on"),
            planned_hours=v.get("planned_hours"),
            approved_on=v.get("approved_on"),
            approval_authority=v.get("approval_authority", ""),
            on=v.get("on"),
        )
        return Response(s.MeasureSerializer(measure, context=self._privacy(case)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MeasureProgressSerializer, responses={200: s.MeasureSerializer})
    @action(detail=True, methods=["post"], url_path=r"measures/(?P<measure_id>\d+)/progress")
    def measure_progress(self, request, pk=None, measure_id=None):
        case = self.get_object()
        measure = Measure.objects.filter(case=case, pk=measure_id).first()
        if measure is None:
            from django.http import Http404

            raise Http404
        data = s.MeasureProgressSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        measure = services.measure_record_progress(
            actor=request.user,
            measure=measure,
            completed_hours=data.validated_data.get("completed_hours"),
            completed_on=data.validated_data.get("completed_on"),
        )
        return Response(s.MeasureSerializer(measure, context=self._privacy(case)).data)

    @extend_schema(request=s.ParentNoticeInputSerializer, responses={201: s.ParentNoticeSerializer})
    @action(detail=True, methods=["post"], url_path="parent-notices")
    def parent_notices(self, request, pk=None):
        case, v = self._step(s.ParentNoticeInputSerializer, request)
        notice = services.case_notify_parents(
            actor=request.user,
            case=case,
            direction=v["direction"],
            method=v["method"],
            guardian=v["guardian"],
            party=self._party(case, v.get("party")),
            content=v.get("content", ""),
            on=v.get("on"),
        )
        return Response(
            s.ParentNoticeSerializer(notice, context=self._privacy(case)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.OnSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"], url_path="start-follow-up")
    def start_follow_up(self, request, pk=None):
        case, v = self._step(s.OnSerializer, request)
        return self._detail(services.case_start_follow_up(actor=request.user, case=case, on=v.get("on")))

    @extend_schema(request=s.FollowUpInputSerializer, responses={201: s.FollowUpSerializer})
    @action(detail=True, methods=["post"], url_path="follow-ups")
    def follow_ups(self, request, pk=None):
        case, v = self._step(s.FollowUpInputSerializer, request)
        follow_up = services.case_add_follow_up(
            actor=request.user, case=case, note=v["note"], party=self._party(case, v.get("party")), on=v.get("on")
        )
        return Response(
            s.FollowUpSerializer(follow_up, context=self._privacy(case)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.CloseSerializer, responses={200: s.CaseDetailSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        case, v = self._step(s.CloseSerializer, request)
        return self._detail(
            services.case_close(actor=request.user, case=case, summary=v.get("summary", ""), on=v.get("on"))
        )

    @extend_schema(responses={200: s.TimelineEntrySerializer(many=True)})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        case = self.get_object()
        entries = case.timeline.select_related("actor").order_by("at", "id")
        return Response(s.TimelineEntrySerializer(entries, many=True, context=self._privacy(case)).data)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        case = self.get_object()
        services.case_record_read(actor=request.user, case=case, via="pdf")
        content = pdf.case_file_pdf(case=case, viewer=request.user)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="case-{case.pk}.pdf"'
        return response

    @extend_schema(responses={200: bytes})
    @action(detail=True, methods=["get"], url_path=r"attachments/(?P<attachment_id>\d+)")
    def attachment(self, request, pk=None, attachment_id=None):
        case = self.get_object()
        attachment = Attachment.objects.filter(case=case, pk=attachment_id).first()
        if attachment is None:
            from django.http import Http404

            raise Http404
        services.case_record_read(actor=request.user, case=case, via=f"attachment:{attachment.pk}")
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=f"attachment-{attachment.pk}",
            content_type=attachment.content_type,
        )
