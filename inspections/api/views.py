"""Supervision API (API.md "Inspections"). Reads go through the scoped selectors; every
step is an explicit action calling one service."""

import re

from django.http import FileResponse, Http404, HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from accounts.models import OrgUnit
from bullying.api import ScopedViewSet
from bullying.errors import ApplicationError
from bullying.uploads import SUFFIXES
from inspections import pdf, reports, selectors, services
from inspections.api import serializers as s
from inspections.filters import AccountabilityFilter, InspectionFilter, PolicyItemFilter, RectificationFilter
from inspections.models import (
    Evidence,
    InspectionItem,
    InspectionKind,
    PolicyEdition,
    PolicyItem,
    RectificationEvidence,
)

FILE_PARSERS = [JSONParser, FormParser, MultiPartParser]


def _unit_in_view(user, pk) -> OrgUnit:
    """A unit the caller may work with; anything else is 404 (its existence does not leak)."""
    unit = selectors.units_in_view(user).filter(pk=pk).first() if pk is not None else None
    if unit is None:
        raise Http404
    return unit


def _file(obj, name: str) -> FileResponse:
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=f"{name}{SUFFIXES.get(obj.content_type, '')}",
        content_type=obj.content_type,
    )


# ---------------------------------------------------------------------------
# The policy list


class PolicyEditionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Editions of the policy list (public documents: every signed-in user)."""

    serializer_class = s.PolicyEditionSerializer
    lookup_field = "code"
    # PolicyEdition.code is a SlugField: anything else (a NUL byte, which PostgreSQL
    # refuses in any query) is no edition, so the router answers 404 without a query.
    lookup_value_regex = r"[-a-zA-Z0-9_]{1,40}"

    def get_scoped_queryset(self):
        return PolicyEdition.objects.order_by("-is_current", "-issued_on", "-id")


EDITION_CODE = re.compile(r"[-a-zA-Z0-9_]{1,40}")


class PolicyItemViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The 50 items of the current edition (``?edition=<code>`` for another), filtered by
    ``q``, ``category``, ``level``. Addressed by their number."""

    serializer_class = s.PolicyItemSerializer
    filterset_class = PolicyItemFilter
    lookup_field = "number"
    lookup_value_regex = r"\d+"

    def get_scoped_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator reads no data
            return PolicyItem.objects.none()
        code = self.request.query_params.get("edition")
        if code and not EDITION_CODE.fullmatch(code):
            return PolicyItem.objects.none()  # no edition has such a code (and no NUL byte reaches the database)
        edition = PolicyEdition.objects.filter(code=code).first() if code else selectors.current_edition()
        return selectors.policy_items(edition) if edition else PolicyItem.objects.none()


# ---------------------------------------------------------------------------
# Inspections


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    filterset_class = InspectionFilter
    lookup_value_regex = r"\d+"
    parser_classes = FILE_PARSERS

    def get_scoped_queryset(self):
        if self.action == "list":
            return selectors.inspection_list(self.request.user)
        return selectors.inspection_detail_queryset(self.request.user)

    def get_serializer_class(self):
        return s.InspectionListSerializer if self.action == "list" else s.InspectionDetailSerializer

    def _detail(self, inspection, status_code=200):
        inspection = selectors.inspection_detail_queryset(self.request.user).get(pk=inspection.pk)
        return Response(s.InspectionDetailSerializer(inspection).data, status=status_code)

    def _row(self, inspection, number) -> InspectionItem:
        row = (
            InspectionItem.objects.select_related("item")
            .prefetch_related("evidence")
            .filter(inspection=inspection, item__number=number)
            .first()
        )
        if row is None:
            raise Http404
        return row

    @extend_schema(request=s.InspectionCreateSerializer, responses={201: s.InspectionDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = s.InspectionCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        target = _unit_in_view(request.user, v["target"])
        rnd = campaign = None
        if v.get("round"):
            rnd = selectors.rounds_visible_to(request.user).filter(pk=v["round"]).first()
            if rnd is None:
                raise ApplicationError("督导批次不存在。", field="round")
        if v.get("campaign"):
            campaign = selectors.campaigns_visible_to(request.user).filter(pk=v["campaign"]).first()
            if campaign is None:
                raise ApplicationError("专项治理行动不存在。", field="campaign")
        inspection = services.inspection_create(
            actor=request.user,
            target=target,
            kind=v["kind"],
            inspected_on=v.get("inspected_on"),
            round=rnd,
            campaign=campaign,
            is_spot_check=v["is_spot_check"],
            is_unannounced=v["is_unannounced"],
        )
        return self._detail(inspection, status.HTTP_201_CREATED)

    @extend_schema(request=s.InspectionUpdateSerializer, responses={200: s.InspectionDetailSerializer})
    def partial_update(self, request, *args, **kwargs):
        inspection = self.get_object()
        data = s.InspectionUpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.inspection_update(actor=request.user, inspection=inspection, **data.validated_data)
        return self._detail(inspection)

    @extend_schema(responses={200: s.InspectionItemSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def items(self, request, pk=None):
        inspection = self.get_object()
        rows = inspection.results.select_related("item").prefetch_related("evidence").order_by("item__number")
        return Response(s.InspectionItemSerializer(rows, many=True).data)

    @extend_schema(
        methods=["put", "patch"], request=s.ItemResultInputSerializer, responses={200: s.InspectionItemSerializer}
    )
    @extend_schema(methods=["get"], responses={200: s.InspectionItemSerializer})
    @action(detail=True, methods=["get", "put", "patch"], url_path=r"items/(?P<number>\d+)")
    def item(self, request, pk=None, number=None):
        """One item's result: ``{"result": "met|partly_met|not_met|not_applicable",
        "finding": "…", "weight": 1}``. Refused (400) once the inspection is submitted."""
        inspection = self.get_object()
        number = int(number)
        row = self._row(inspection, number)
        if request.method == "GET":
            return Response(s.InspectionItemSerializer(row).data)
        data = s.ItemResultInputSerializer(data=request.data, partial=request.method == "PATCH")
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if request.method == "PUT" and "result" not in v:
            raise ApplicationError("请填写检查结果。", field="result")
        services.inspection_set_result(
            actor=request.user,
            inspection=inspection,
            number=number,
            result=v.get("result"),
            finding=v.get("finding"),
            weight=v.get("weight"),
        )
        return Response(s.InspectionItemSerializer(self._row(inspection, number)).data)

    @extend_schema(request={"multipart/form-data": s.UploadSerializer}, responses={201: s.EvidenceSerializer})
    @action(detail=True, methods=["post"], url_path=r"items/(?P<number>\d+)/evidence")
    def add_evidence(self, request, pk=None, number=None):
        inspection = self.get_object()
        self._row(inspection, int(number))
        data = s.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.evidence_add(
            actor=request.user,
            inspection=inspection,
            number=int(number),
            uploaded_file=data.validated_data["file"],
            description=data.validated_data.get("description", ""),
        )
        return Response(s.EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: bytes})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>\d+)")
    def evidence(self, request, pk=None, evidence_id=None):
        inspection = self.get_object()
        evidence = Evidence.objects.filter(result__inspection=inspection, pk=evidence_id).first()
        if evidence is None:
            raise Http404
        services.inspection_record_read(actor=request.user, inspection=inspection, via=f"evidence:{evidence.pk}")
        return _file(evidence, f"inspection-{inspection.pk}-evidence-{evidence.pk}")

    @extend_schema(request=None, responses={200: s.InspectionDetailSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit and lock: afterwards every change is refused (400)."""
        inspection = self.get_object()
        services.inspection_submit(actor=request.user, inspection=inspection)
        return self._detail(inspection)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def pdf(self, request, pk=None):
        inspection = self.get_object()
        content = pdf.inspection_report_pdf(inspection=inspection, viewer=request.user)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="inspection-{inspection.pk}.pdf"'
        return response

    @extend_schema(
        parameters=[
            OpenApiParameter("kind", str),
            OpenApiParameter("level", str),
            OpenApiParameter("round", int),
            OpenApiParameter("campaign", int),
        ],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes,
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request):
        """Submitted results across the units in scope, as an Excel workbook."""
        inspections, title = _filtered_results(request)
        content = reports.results_workbook(list(inspections), title=title, generated_by=request.user.display_name)
        response = HttpResponse(content, content_type=reports.XLSX_TYPE)
        response["Content-Disposition"] = 'attachment; filename="inspection-results.xlsx"'
        return response

    @extend_schema(
        parameters=[OpenApiParameter("level", str, required=True), OpenApiParameter("kind", str)],
        responses={200: dict},
    )
    @action(detail=False, methods=["get"])
    def league(self, request):
        """Units of one tier (``level``) ranked by their latest submitted score."""
        level = request.query_params.get("level") or ""
        if level not in ("city", "county", "school", "province"):
            raise ApplicationError("请指定层级 level：city、county 或 school。", field="level")
        inspections, _title = _filtered_results(request)
        rows = reports.league_table(list(inspections), level=level)
        return Response(
            {
                "level": level,
                "results": [
                    {
                        "rank": r.rank,
                        "org_unit": {"id": r.unit.pk, "code": r.unit.code, "name": r.unit.name, "level": r.unit.level},
                        "score": str(r.score) if r.score is not None else None,
                        "inspection": r.inspection.pk,
                        "inspected_on": r.inspection.inspected_on,
                        "not_met": r.counts["not_met"],
                        "partly_met": r.counts["partly_met"],
                        "open_rectifications": r.rectifications["open"],
                    }
                    for r in rows
                ],
            }
        )


def _filtered_results(request):
    params = request.query_params if hasattr(request, "query_params") else request.GET
    user = request.user
    kind = params.get("kind") or InspectionKind.SUPERVISION
    if kind not in InspectionKind.values:
        raise ApplicationError("检查类型应为 self_check 或 supervision。", field="kind")
    rnd = campaign = None
    if params.get("round"):
        rnd = selectors.rounds_visible_to(user).filter(pk=_int(params["round"], "round")).first()
        if rnd is None:
            raise ApplicationError("督导批次不存在。", field="round")
    if params.get("campaign"):
        campaign = selectors.campaigns_visible_to(user).filter(pk=_int(params["campaign"], "campaign")).first()
        if campaign is None:
            raise ApplicationError("专项治理行动不存在。", field="campaign")
    qs = reports.submitted_inspections(user, kind=kind, round=rnd, campaign=campaign)
    title = rnd.title if rnd else (campaign.name if campaign else f"{InspectionKind(kind).label}结果")
    return qs, title


def _int(value, field):
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ApplicationError("编号应为整数。", field=field)


# ---------------------------------------------------------------------------
# Rectification


class RectificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    lookup_value_regex = r"\d+"
    filterset_class = RectificationFilter
    parser_classes = FILE_PARSERS

    def get_scoped_queryset(self):
        return selectors.rectifications_visible_to(self.request.user)

    def get_serializer_class(self):
        return s.RectificationSerializer if self.action == "list" else s.RectificationDetailSerializer

    def _detail(self, rect, status_code=200):
        rect = selectors.rectifications_visible_to(self.request.user).get(pk=rect.pk)
        return Response(s.RectificationDetailSerializer(rect).data, status=status_code)

    @extend_schema(request=s.RectificationCreateSerializer, responses={201: s.RectificationDetailSerializer})
    def create(self, request, *args, **kwargs):
        """Raise a rectification from an item found not or partly met (``due_on`` or ``days``)."""
        data = s.RectificationCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        inspection = selectors.inspections_visible_to(request.user).filter(pk=v["inspection"]).first()
        if inspection is None:
            raise Http404
        unit = _unit_in_view(request.user, v["unit"]) if v.get("unit") else None
        rect = services.rectification_raise(
            actor=request.user,
            inspection=inspection,
            number=v["item"],
            requirement=v["requirement"],
            unit=unit,
            due_on=v.get("due_on"),
            days=v.get("days"),
            on=v.get("on"),
        )
        return self._detail(rect, status.HTTP_201_CREATED)

    def _step(self, serializer_class):
        rect = self.get_object()
        data = serializer_class(data=self.request.data)
        data.is_valid(raise_exception=True)
        return rect, data.validated_data

    @extend_schema(request=s.RectificationStepSerializer, responses={201: s.RectificationNoteSerializer})
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        rect, v = self._step(s.RectificationStepSerializer)
        note = services.rectification_add_note(
            actor=request.user, rectification=rect, text=v.get("text", ""), on=v.get("on")
        )
        return Response(s.RectificationNoteSerializer(note).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RectificationStepSerializer, responses={200: s.RectificationDetailSerializer})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        rect, v = self._step(s.RectificationStepSerializer)
        services.rectification_complete(actor=request.user, rectification=rect, text=v.get("text", ""), on=v.get("on"))
        return self._detail(rect)

    @extend_schema(request=s.RectificationStepSerializer, responses={200: s.RectificationDetailSerializer})
    @action(detail=True, methods=["post"])
    def verify(self, request, pk=None):
        """复查验收 — by an inspector or office above; the unit itself gets 403."""
        rect, v = self._step(s.RectificationStepSerializer)
        services.rectification_verify(actor=request.user, rectification=rect, text=v.get("text", ""), on=v.get("on"))
        return self._detail(rect)

    @extend_schema(request=s.RectificationReopenSerializer, responses={200: s.RectificationDetailSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        rect, v = self._step(s.RectificationReopenSerializer)
        services.rectification_reopen(
            actor=request.user,
            rectification=rect,
            text=v.get("text", ""),
            due_on=v.get("due_on"),
            days=v.get("days"),
            on=v.get("on"),
        )
        return self._detail(rect)

    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": s.UploadSerializer},
        responses={201: s.RectificationEvidenceSerializer},
    )
    @action(detail=True, methods=["post"], url_path="evidence")
    def add_evidence(self, request, pk=None):
        rect = self.get_object()
        data = s.UploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        evidence = services.rectification_add_evidence(
            actor=request.user,
            rectification=rect,
            uploaded_file=data.validated_data["file"],
            description=data.validated_data.get("description", ""),
        )
        return Response(s.RectificationEvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: bytes})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_id>\d+)")
    def evidence(self, request, pk=None, evidence_id=None):
        rect = self.get_object()
        evidence = RectificationEvidence.objects.filter(rectification=rect, pk=evidence_id).first()
        if evidence is None:
            raise Http404
        return _file(evidence, f"rectification-{rect.pk}-evidence-{evidence.pk}")


# ---------------------------------------------------------------------------
# Accountability


class AccountabilityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = s.AccountabilitySerializer
    filterset_class = AccountabilityFilter

    def get_scoped_queryset(self):
        return selectors.accountability_visible_to(self.request.user)

    @extend_schema(request=s.AccountabilityCreateSerializer, responses={201: s.AccountabilitySerializer})
    def create(self, request, *args, **kwargs):
        """通报 / 约谈 / 挂牌督办 / 一票否决, citing an inspection or a case."""
        from cases.selectors import cases_visible_to

        data = s.AccountabilityCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        unit = _unit_in_view(request.user, v["unit"])
        inspection = case = None
        if v.get("inspection"):
            inspection = selectors.inspections_visible_to(request.user).filter(pk=v["inspection"]).first()
            if inspection is None:
                raise ApplicationError("所依据的检查不存在。", field="inspection")
        if v.get("case"):
            case = cases_visible_to(request.user).select_related("school").filter(pk=v["case"]).first()
            if case is None:
                raise ApplicationError("所依据的欺凌事件不存在。", field="case")
        measure = services.accountability_record(
            actor=request.user,
            unit=unit,
            kind=v["kind"],
            reason=v["reason"],
            decided_on=v.get("decided_on"),
            inspection=inspection,
            case=case,
        )
        measure = selectors.accountability_visible_to(request.user).get(pk=measure.pk)
        return Response(s.AccountabilitySerializer(measure).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------------------
# Campaigns and rounds


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = s.CampaignSerializer
    parser_classes = FILE_PARSERS

    def get_scoped_queryset(self):
        return selectors.campaigns_visible_to(self.request.user).prefetch_related("phases", "tasks__phase")

    @extend_schema(
        parameters=[OpenApiParameter("unit", int, description="查看哪个单位的下级报送情况，默认本人单位")],
        responses={200: dict},
    )
    @action(detail=True, methods=["get"])
    def completeness(self, request, pk=None):
        """Who has filed, who is late, who is missing: per direct child unit of ``unit``."""
        campaign = self.get_object()
        unit_id = request.query_params.get("unit")
        if unit_id:
            unit = _unit_in_view(request.user, _int(unit_id, "unit"))
        else:
            roots = selectors.scope_roots(request.user, roles=selectors.INSPECTION_READER_ROLES)
            if not roots:
                raise Http404
            unit = roots[0]
        result = reports.campaign_completeness(campaign, unit=unit)
        return Response(
            {
                "campaign": campaign.pk,
                "unit": result.own.as_dict(),
                "total": result.total.as_dict(),
                "tasks": s.CampaignTaskSerializer(result.tasks, many=True).data,
                "children": [child.as_dict() for child in result.children],
            }
        )

    @extend_schema(request={"multipart/form-data": s.TaskSubmitSerializer}, responses={201: s.TaskSubmissionSerializer})
    @action(detail=True, methods=["post"], url_path=r"tasks/(?P<task_id>\d+)/submit")
    def submit_task(self, request, pk=None, task_id=None):
        campaign = self.get_object()
        task = campaign.tasks.filter(pk=task_id).first()
        if task is None:
            raise Http404
        data = s.TaskSubmitSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v.get("unit"):
            unit = _unit_in_view(request.user, v["unit"])
        else:
            units = [u for u in selectors.units_acted_for(request.user) if u.level in task.levels]
            if len(units) != 1:
                raise ApplicationError("请指定报送单位 unit。", field="unit")
            unit = units[0]
        submission = services.task_submit(
            actor=request.user,
            task=task,
            unit=unit,
            note=v.get("note", ""),
            on=v.get("on"),
            uploaded_file=v.get("file"),
        )
        return Response(s.TaskSubmissionSerializer(submission).data, status=status.HTTP_201_CREATED)


class InspectionRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    lookup_value_regex = r"\d+"
    serializer_class = s.InspectionRoundSerializer

    def get_scoped_queryset(self):
        return selectors.rounds_visible_to(self.request.user)

    @extend_schema(request=s.InspectionRoundCreateSerializer, responses={201: s.InspectionRoundSerializer})
    def create(self, request, *args, **kwargs):
        data = s.InspectionRoundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        if v.get("office"):
            office = _unit_in_view(request.user, v["office"])
        else:
            offices = selectors.scope_roots(request.user, roles=selectors.OVERSIGHT_ROLES)
            if len(offices) != 1:
                raise ApplicationError("请指定督导单位 office。", field="office")
            office = offices[0]
        campaign = None
        if v.get("campaign"):
            campaign = selectors.campaigns_visible_to(request.user).filter(pk=v["campaign"]).first()
            if campaign is None:
                raise ApplicationError("专项治理行动不存在。", field="campaign")
        rnd = services.round_create(
            actor=request.user,
            office=office,
            title=v["title"],
            semester=v.get("semester", ""),
            starts_on=v["starts_on"],
            ends_on=v["ends_on"],
            campaign=campaign,
        )
        return Response(s.InspectionRoundSerializer(rnd).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.InspectionRoundSerializer})
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """Publish the submitted results of the round on the public page."""
        rnd = services.round_publish(actor=request.user, round=self.get_object())
        return Response(s.InspectionRoundSerializer(rnd).data)
