"""Reporting API (API.md "Incident reports (up the chain)" and "Dashboard")."""

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.api.serializers import OrgUnitBriefSerializer
from accounts.models import SCHOOL_ROLES
from accounts.selectors import has_role
from bullying.api import ScopedViewSet
from bullying.errors import ApplicationError
from cases.selectors import cases_visible_to
from reporting import selectors, services
from reporting.api import serializers as s
from reporting.filters import ReportFilter
from reporting.periods import period_by_code


class IncidentReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reports are visible to the school that wrote them and to each office they have
    reached; anything else is 404."""

    filterset_class = ReportFilter

    def get_scoped_queryset(self):
        if self.action == "list":
            return selectors.report_list(self.request.user)
        return selectors.report_detail_queryset(self.request.user)

    def get_serializer_class(self):
        return s.ReportListSerializer if self.action == "list" else s.ReportDetailSerializer

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "now": timezone.now()}

    def _detail(self, report, *, status_code=200):
        report = selectors.report_detail_queryset(self.request.user).get(pk=report.pk)
        return Response(
            s.ReportDetailSerializer(report, context=self.get_serializer_context()).data, status=status_code
        )

    @extend_schema(request=s.ReportCreateSerializer, responses={201: s.ReportDetailSerializer})
    def create(self, request, *args, **kwargs):
        if not has_role(request.user, SCHOOL_ROLES):
            raise PermissionDenied("只有学校可以报送事件报告；上级部门请使用签收和转报。")
        data = s.ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        case = cases_visible_to(request.user).filter(pk=v["case"]).select_related("school").first()
        if case is None:
            raise ApplicationError("案件不存在或不在本校范围内。", field="case")
        report = services.report_submit(
            actor=request.user,
            case=case,
            kind=v["kind"],
            content=v.get("content", ""),
            public_concern=v.get("public_concern", False),
            on=v.get("on"),
        )
        return self._detail(report, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=s.AcknowledgeSerializer, responses={200: s.ReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        report = self.get_object()
        data = s.AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.report_acknowledge(actor=request.user, report=report, note=v.get("note", ""), on=v.get("on"))
        return self._detail(report)

    @extend_schema(request=s.ForwardSerializer, responses={200: s.ReportDetailSerializer})
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        report = self.get_object()
        data = s.ForwardSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        services.report_forward(
            actor=request.user,
            report=report,
            note=v["note"],
            public_concern=v.get("public_concern", False),
            on=v.get("on"),
        )
        return self._detail(report)


def _shape_cases(c: dict) -> dict:
    def pick(prefix: str) -> dict:
        return {k[len(prefix) + 1 :]: v for k, v in c.items() if k.startswith(prefix + "_")}

    return {
        "total": c["total"],
        "open": c["open"],
        "by_status": pick("status"),
        "by_severity": pick("severity"),
        "by_form": pick("form"),
        "by_source": pick("source"),
        "overdue": c["overdue"],
        "investigations": {
            "started": c["investigations"],
            "on_time": c["on_time"],
            "late": c["late"],
            "overdue": c["overdue"],
        },
        "bullying": c["bullying"],
        "not_bullying": c["not_bullying"],
        "reopened_by_review": c["reopened"],
    }


def _shape_reports(d) -> dict:
    r, c, h = d.reports, d.cases, d.hops
    return {
        "total": r["reports"],
        "by_kind": {k[5:]: v for k, v in r.items() if k.startswith("kind_")},
        "late": r["late_reports"],
        "late_by_kind": {k[5:]: v for k, v in r.items() if k.startswith("late_") and k != "late_reports"},
        "public_concern": r["concern"],
        "at_ministry": r["at_ministry"],
        "missing_initial": c["missing_initial"],
        "follow_up_overdue": c["follow_up_overdue"],
        "missing_final": c["missing_final"],
        "possibly_concealed": c["possibly_concealed"],
        "acknowledgements": {
            "received": h["received"],
            "acknowledged": h["acknowledged"],
            "late": h["ack_late"],
            "pending": h["ack_pending"],
            "forward_overdue": h["forward_overdue"],
        },
    }


def _shape_appeals(a: dict | None) -> dict:
    if a is None:
        return {}
    return {
        "total": a["total"],
        "by_status": {k[7:]: v for k, v in a.items() if k.startswith("status_")},
        "upheld": a["upheld"],
        "overturned": a["decision_changed"],
        "review_overdue": a["review_overdue"],
        "decided_late": a["decided_late"],
    }


class DashboardView(APIView):
    """Figures of one unit in the caller's scope and of each of its child units."""

    @extend_schema(
        parameters=[
            OpenApiParameter("org_unit", int, description="单位编号，默认为本人最高一级单位"),
            OpenApiParameter("period", str, description="统计期：2026、2026-03 或 2026-C1；默认全部"),
        ],
        responses={200: dict},
    )
    def get(self, request):
        unit = selectors.dashboard_unit(request.user, request.query_params.get("org_unit"))
        code = request.query_params.get("period")
        period = period_by_code(code) if code else None
        d = selectors.dashboard(request.user, unit, now=timezone.now(), period=period)
        children = []
        for row in d.children:
            children.append(
                {
                    "org_unit": OrgUnitBriefSerializer(row.unit).data,
                    "total": row.cases["total"],
                    "open": row.cases["open"],
                    "overdue": row.cases["overdue"],
                    "late": row.cases["late"],
                    "overdue_rate": row.overdue_rate,
                    "by_status": {k[7:]: v for k, v in row.cases.items() if k.startswith("status_")},
                    "by_severity": {k[9:]: v for k, v in row.cases.items() if k.startswith("severity_")},
                    "reports": row.reports["reports"],
                    "late_reports": row.reports["late_reports"],
                    "late_report_rate": row.late_report_rate,
                    "missing_reports": row.missing_reports,
                    "possibly_concealed": row.cases["possibly_concealed"],
                    "ack_late": row.hops["ack_late"],
                    "appeals": row.appeals.get("total", 0),
                    "overturned": row.appeals.get("decision_changed", 0),
                }
            )
        return Response(
            {
                "org_unit": OrgUnitBriefSerializer(unit).data,
                "period": {"code": period.code, "start": period.start, "end": period.end} if period else None,
                "cases": _shape_cases(d.cases),
                "appeals": _shape_appeals(d.appeals),
                "reports": _shape_reports(d),
                "children": children,
            }
        )
