"""Reporting screens: the dashboard per tier with its Excel and PDF exports, incident
reports (write, sign for, forward) and the periodic statistics tables.

Every page reads through ``reporting.selectors``: a unit outside the caller's scope, or a
report that has not reached the caller, is 404. A refused step re-renders the page with
the entered values and the reason (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import COMMITTEE_ROLES
from accounts.selectors import memberships_of, scope_roots
from bullying.access import get_in_scope_or_404
from bullying.errors import ApplicationError
from bullying.timeutil import local_date, today_local
from cases.selectors import can_handle, cases_visible_to
from reporting import exports, pdf, selectors, services
from reporting import forms as f
from reporting.filters import ReportFilter
from reporting.models import IncidentReport, ReportKind
from reporting.periods import latest_closed_period, period_by_code, recent_periods
from reporting.tables import chart_data, league_rows, stat_figures, summary_sections

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _unit_and_period(request, *, default_period: bool = False):
    org_unit = request.GET.get("org_unit")
    if org_unit:
        unit = get_in_scope_or_404(request, selectors.dashboard_units(request.user), org_unit)
    else:
        unit = selectors.dashboard_unit(request.user)
    try:
        code = request.GET.get("period")
        if code:
            period = period_by_code(code)
        else:
            period = latest_closed_period(today_local()) if default_period else None
    except ApplicationError:
        raise Http404
    return unit, period


def _query(unit, period) -> str:
    return f"?org_unit={unit.pk}" + (f"&period={period.code}" if period else "")


# ---------------------------------------------------------------------------------------
# Dashboard


@login_required
def dashboard(request):
    unit, period = _unit_and_period(request)
    now = timezone.now()
    d = selectors.dashboard(request.user, unit, now=now, period=period)
    trend = selectors.monthly_trend(request.user, unit, today=local_date(now))
    grades = selectors.by_grade(request.user, unit, period=period)
    lists = selectors.dashboard_lists(request.user, unit, now=now, period=period)
    league = league_rows(d)
    charts = chart_data(d, trend, grades)
    for child, row in zip(charts["children"], d.children, strict=True):
        child["url"] = reverse("reporting:dashboard") + _query(row.unit, period)
    return render(
        request,
        "reporting/dashboard.html",
        {
            "unit": unit,
            "period": period,
            "periods": recent_periods(local_date(now)),
            "d": d,
            "sections": summary_sections(d),
            "league": league,
            "lists": lists,
            "charts": charts,
            "crumbs": selectors.breadcrumbs(request.user, unit),
            "roots": scope_roots(request.user, roles=selectors.DASHBOARD_ROLES),
            "query": _query(unit, period),
        },
    )


@login_required
def dashboard_export(request):
    unit, period = _unit_and_period(request)
    now = timezone.now()
    d = selectors.dashboard(request.user, unit, now=now, period=period)
    content = exports.dashboard_workbook(
        d,
        trend=selectors.monthly_trend(request.user, unit, today=local_date(now)),
        grades=selectors.by_grade(request.user, unit, period=period),
        lists=selectors.dashboard_lists(request.user, unit, now=now, period=period, limit=None),
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{unit.code}-{period.code if period else "all"}.xlsx"'
    )
    return response


@login_required
def summary_pdf(request):
    unit, period = _unit_and_period(request, default_period=True)
    content = pdf.summary_pdf(unit=unit, period=period, viewer=request.user, now=timezone.now())
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="summary-{unit.code}-{period.code}.pdf"'
    return response


# ---------------------------------------------------------------------------------------
# Incident reports


@login_required
def report_list(request):
    user = request.user
    filterset = ReportFilter(request.GET or None, queryset=selectors.report_list(user))
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    owing = []
    case = None
    case_id = request.GET.get("case")
    if case_id and case_id.isdigit():
        case = cases_visible_to(user).filter(pk=int(case_id)).select_related("school").first()
    schools = [m.org_unit_id for m in memberships_of(user) if m.role in COMMITTEE_ROLES]
    if schools:
        mine = cases_visible_to(user).filter(school_id__in=schools)
        if case is not None:
            mine = mine.filter(pk=case.pk)
        owing = list(selectors.cases_owing_reports(mine, timezone.now())[:50])
    return render(
        request,
        "reporting/report_list.html",
        {
            "filter": filterset,
            "page": page,
            "owing": owing,
            "case": case,
            "awaiting": list(selectors.awaiting_action(user)[:50]),
        },
    )


@login_required
def report_new(request):
    case_id = request.GET.get("case") or request.POST.get("case")
    if not case_id:
        raise Http404
    case = get_in_scope_or_404(request, cases_visible_to(request.user).select_related("school"), case_id)
    if not can_handle(request.user, case):
        raise PermissionDenied
    kind = request.GET.get("kind") or ReportKind.INITIAL
    if kind not in ReportKind.values:
        kind = ReportKind.INITIAL
    if request.method == "POST":
        form = f.ReportForm(request.POST)
        if form.is_valid():
            try:
                report = services.report_submit(
                    actor=request.user,
                    case=case,
                    kind=form.cleaned_data["kind"],
                    content=form.cleaned_data["content"],
                    public_concern=form.cleaned_data["public_concern"],
                    on=form.cleaned_data["on"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"报告已报送，编号 {report.number}。")
                return redirect("reporting:report_detail", pk=report.pk)
        status = 400
    else:
        form = f.ReportForm(initial={"kind": kind, "content": services.report_draft(case=case, kind=kind)})
        status = 200
    return render(request, "reporting/report_new.html", {"case": case, "form": form}, status=status)


def _report_or_404(request, pk: int) -> IncidentReport:
    return get_in_scope_or_404(request, selectors.report_detail_queryset(request.user), pk)


def _detail_context(request, report, **forms):
    hop = selectors.own_hop(request.user, report)
    context = {
        "report": report,
        "hops": list(report.hops.all()),
        "own_hop": hop,
        "now": timezone.now(),
        "can_acknowledge": hop is not None and hop.acknowledged_at is None,
        "can_forward": hop is not None and hop.acknowledged_at is not None and hop.forwarded_at is None,
        "ack_form": f.AcknowledgeForm(prefix="ack"),
        "forward_form": f.ForwardForm(prefix="fwd"),
    }
    context.update(forms)
    return context


@login_required
def report_detail(request, pk: int):
    report = _report_or_404(request, pk)
    return render(request, "reporting/report_detail.html", _detail_context(request, report))


@login_required
@require_POST
def report_step(request, pk: int, step: str):
    report = _report_or_404(request, pk)
    if step == "acknowledge":
        form = f.AcknowledgeForm(request.POST, prefix="ack")
        bound = {"ack_form": form}
    elif step == "forward":
        form = f.ForwardForm(request.POST, prefix="fwd")
        bound = {"forward_form": form}
    else:
        raise Http404
    if form.is_valid():
        try:
            if step == "acknowledge":
                services.report_acknowledge(
                    actor=request.user, report=report, note=form.cleaned_data["note"], on=form.cleaned_data["on"]
                )
                messages.success(request, "已签收。")
            else:
                services.report_forward(
                    actor=request.user,
                    report=report,
                    note=form.cleaned_data["note"],
                    public_concern=form.cleaned_data["public_concern"],
                    on=form.cleaned_data["on"],
                )
                messages.success(request, "已转报上级。")
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            return redirect("reporting:report_detail", pk=report.pk)
    report = _report_or_404(request, pk)
    return render(request, "reporting/report_detail.html", _detail_context(request, report, **bound), status=400)


# ---------------------------------------------------------------------------------------
# Statistics tables (基本情况统计表)


@login_required
def statistics(request):
    unit, period = _unit_and_period(request, default_period=True)
    now = timezone.now()
    today = local_date(now)
    can_submit = selectors.can_submit_stats(request.user, unit)
    form = f.StatSubmitForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if not can_submit:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.stat_return_submit(
                    actor=request.user,
                    unit=unit,
                    period=period.code,
                    comment=form.cleaned_data["comment"],
                    on=form.cleaned_data["on"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(request, f"{period.label}统计表已报送。")
                return redirect(reverse("reporting:statistics") + _query(unit, period))
        status = 400
    stat_return = selectors.stat_return_of(unit, period)
    return render(
        request,
        "reporting/statistics.html",
        {
            "unit": unit,
            "period": period,
            "periods": recent_periods(today),
            "figures": stat_figures(request.user, unit, period, now=now),
            "stat_return": stat_return,
            "completeness": selectors.stat_completeness(unit, period, today=today),
            "can_submit": can_submit and period.is_over(today),
            "form": form,
            "today": today,
            "query": _query(unit, period),
            "crumbs": selectors.breadcrumbs(request.user, unit),
        },
        status=status,
    )


@login_required
def statistics_export(request):
    unit, period = _unit_and_period(request, default_period=True)
    now = timezone.now()
    content = exports.statistics_workbook(
        unit.name,
        period.label,
        stat_figures(request.user, unit, period, now=now),
        selectors.stat_completeness(unit, period, today=local_date(now)),
    )
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="statistics-{unit.code}-{period.code}.xlsx"'
    return response
