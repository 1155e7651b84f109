"""Permission-aware reads for reports, detection of missing and concealed reports, and
the dashboard aggregates.

Visibility of a report. Cases follow the subtree rule (an office sees every case below it),
but a report is different: it reaches an office only when the office below forwards it
(任务四：逐级报告). So an office sees a report when the report has a hop *at the office's
own unit*, not anywhere in its subtree; the city does not read what the county has not
yet sent up, and no sibling ever sees it. The school that wrote it sees it too.

Detection (漏报 / 迟报 / 瞒报) is written as ``Q`` predicates over cases, so a list, a count
and a per-unit breakdown are each one query whatever the number of cases or units.

Dashboards. Figures are counts over the subtree of a unit in the caller's scope (no case
content). Rows are grouped by the child unit that holds them, found from the materialised
path in SQL (``child_key``), so a dashboard costs the same few queries for a county with 3
schools and a province with 3,000.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import (
    BigIntegerField,
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Cast, Length, NullIf, Substr, TruncMonth
from django.http import Http404
from django.utils import timezone

from accounts.models import COMMITTEE_ROLES, OFFICE_ROLES, SCHOOL_ROLES, Level, OrgUnit, Role, User
from accounts.selectors import memberships_of, scope_roots, subtree_q, units_in_scope
from bullying.errors import ApplicationError
from bullying.timeutil import local_date
from cases.appeals.models import Appeal, AppealQuerySet, AppealStatus
from cases.appeals.selectors import appeals_visible_to
from cases.models import Case, CaseQuerySet, Form, Party, PartyRole, Severity, Source, Status, TimelineEntry
from cases.selectors import cases_visible_to
from reporting import conf
from reporting.models import IncidentReport, ReportHop, ReportHopQuerySet, ReportKind, StatReturn
from reporting.periods import Period

# Who may open dashboards and statistics: the offices, and a school's committee for its own school.
DASHBOARD_ROLES = OFFICE_ROLES | COMMITTEE_ROLES
# The offices a report climbs through (签收、转报): a report reaches them hop by hop.
REPORT_OFFICE_ROLES = OFFICE_ROLES
# The school people who see their own school's reports (the committee writes them).
REPORT_SCHOOL_ROLES = SCHOOL_ROLES
# Who submits a unit's statistics table, by the unit's level.
STAT_SUBMITTER_ROLES: dict[str, frozenset[str]] = {
    Level.SCHOOL: frozenset(COMMITTEE_ROLES),
    Level.COUNTY: frozenset({Role.COUNTY_OFFICER}),
    Level.CITY: frozenset({Role.CITY_OFFICER}),
    Level.PROVINCE: frozenset({Role.PROVINCE_OFFICER}),
}


# ---------------------------------------------------------------------------------------
# Reports: who sees them, who acts on them


def office_unit_ids(user: User) -> set[int]:
    """Units where the user works as an education office (county, city, province)."""
    return {m.org_unit_id for m in memberships_of(user) if m.role in REPORT_OFFICE_ROLES}


def reports_visible_to(user: User) -> QuerySet[IncidentReport]:
    """Reports of the caller's own school, and reports that have reached an office where
    the caller works (one ``id IN`` subquery on the hops)."""
    offices = office_unit_ids(user)
    schools = {m.org_unit_id for m in memberships_of(user) if m.role in REPORT_SCHOOL_ROLES}
    if not offices and not schools:
        return IncidentReport.objects.none()
    q = Q()
    if offices:
        q |= Q(pk__in=ReportHop.objects.filter(org_unit_id__in=offices).values("report_id"))
    if schools:
        q |= Q(school_id__in=schools)
    return IncidentReport.objects.filter(q)


def report_list(user: User) -> QuerySet[IncidentReport]:
    return reports_visible_to(user).select_related("case", "school", "current_unit").order_by("-submitted_at", "-id")


def report_detail_queryset(user: User) -> QuerySet[IncidentReport]:
    hops = ReportHop.objects.select_related("org_unit", "acknowledged_by", "forwarded_by").order_by("received_at", "id")
    return (
        reports_visible_to(user)
        .select_related("case", "school", "current_unit", "submitted_by", "ministry_reported_by")
        .prefetch_related(Prefetch("hops", queryset=hops))
    )


def own_hop(user: User, report: IncidentReport) -> ReportHop | None:
    """The hop at the office where the caller works, if the report has reached it."""
    offices = office_unit_ids(user)
    for hop in report.hops.all():
        if hop.org_unit_id in offices:
            return hop
    return None


# A hop still to be signed for or, where the report must go on, forwarded.
AWAITING_Q = Q(acknowledged_at__isnull=True) | Q(forward_due_at__isnull=False, forwarded_at__isnull=True)


def awaiting_action(user: User) -> QuerySet[ReportHop]:
    """Hops at the caller's offices still to be signed for or, where required, forwarded."""
    offices = office_unit_ids(user)
    if not offices:
        return ReportHop.objects.none()
    return (
        ReportHop.objects.filter(org_unit_id__in=offices)
        .filter(AWAITING_Q)
        .select_related("report", "report__case", "report__school", "org_unit")
        .order_by("ack_due_at", "id")
    )


# ---------------------------------------------------------------------------------------
# Detection: what is due, late, missing or possibly concealed (predicates over cases)


def reportable_q() -> Q:
    """Cases whose determination obliges an initial report (serious, severe, criminal)."""
    return Q(is_bullying=True, severity__in=conf.reportable_severities())


def _reports_of_case(**filters) -> QuerySet[IncidentReport]:
    return IncidentReport.objects.filter(case=OuterRef("pk"), **filters)


def missing_initial_q(now: datetime) -> Q:
    """漏报: a reportable case with no initial report once the 24 hours after the
    determination have passed."""
    lapsed = conf.last_lapsed_day(now, conf.report_hours(ReportKind.INITIAL))
    return reportable_q() & Q(determined_on__lte=lapsed) & ~Q(Exists(_reports_of_case(kind=ReportKind.INITIAL)))


def initial_due_q(now: datetime) -> Q:
    """A reportable case whose initial report is due and not yet late."""
    lapsed = conf.last_lapsed_day(now, conf.report_hours(ReportKind.INITIAL))
    return (
        reportable_q()
        & Q(determined_on__isnull=False, determined_on__gt=lapsed)
        & ~Q(Exists(_reports_of_case(kind=ReportKind.INITIAL)))
    )


def _final_obligation_q() -> Q:
    # Once a case has been reported up, or ought to have been, the loop is closed with a final report.
    return Q(status=Status.CLOSED) & (reportable_q() | Q(Exists(_reports_of_case(kind=ReportKind.INITIAL))))


def missing_final_q(now: datetime) -> Q:
    lapsed = conf.last_lapsed_day(now, conf.report_hours(ReportKind.FINAL))
    return _final_obligation_q() & Q(closed_on__lte=lapsed) & ~Q(Exists(_reports_of_case(kind=ReportKind.FINAL)))


def final_due_q(now: datetime) -> Q:
    lapsed = conf.last_lapsed_day(now, conf.report_hours(ReportKind.FINAL))
    return _final_obligation_q() & Q(closed_on__gt=lapsed) & ~Q(Exists(_reports_of_case(kind=ReportKind.FINAL)))


def _unreported_changes() -> QuerySet[TimelineEntry]:
    """Changes of the case (a new determination, a measure, a review decision) recorded
    after some report of it, with no report since."""
    earlier = IncidentReport.objects.filter(case=OuterRef("case"), submitted_at__lt=OuterRef("at"))
    since = IncidentReport.objects.filter(case=OuterRef("case"), submitted_at__gte=OuterRef("at"))
    return TimelineEntry.objects.filter(case=OuterRef("pk"), kind__in=conf.follow_up_triggers()).filter(
        Exists(earlier), ~Exists(since)
    )


def follow_up_overdue_q(now: datetime) -> Q:
    """续报 missing: the case changed after its last report and the limit has passed.
    A closed case is left to the final report."""
    cutoff = now - timedelta(hours=conf.report_hours(ReportKind.FOLLOW_UP))
    return ~Q(status=Status.CLOSED) & Q(Exists(_unreported_changes().filter(at__lt=cutoff)))


def follow_up_due_q(now: datetime) -> Q:
    cutoff = now - timedelta(hours=conf.report_hours(ReportKind.FOLLOW_UP))
    changes = _unreported_changes()
    return ~Q(status=Status.CLOSED) & Q(Exists(changes)) & ~Q(Exists(changes.filter(at__lt=cutoff)))


def first_unreported_change_at() -> Subquery:
    return Subquery(_unreported_changes().order_by("at").values("at")[:1])


def possibly_concealed_q() -> Q:
    """疑似瞒报: the matter reached the authorities through another channel — a police
    notice, a referral from above, a petition (信访), or an appeal (申诉) — and the school
    had not reported it by that day."""
    external = Q(source__in=conf.concealment_sources()) & ~Q(
        Exists(_reports_of_case(reported_on__lte=OuterRef("reported_on")))
    )
    unreported_appeals = Appeal.objects.filter(case=OuterRef("pk")).filter(
        ~Exists(IncidentReport.objects.filter(case=OuterRef("case"), reported_on__lte=OuterRef("received_on")))
    )
    return external | Q(Exists(unreported_appeals))


def owing_initial_q() -> Q:
    """A reportable case with no initial report, late or not: ``missing_initial_q(now) |
    initial_due_q(now)`` for any ``now``, written so PostgreSQL can use an anti-join."""
    return reportable_q() & Q(determined_on__isnull=False) & ~Q(Exists(_reports_of_case(kind=ReportKind.INITIAL)))


def owing_final_parts(cases: QuerySet[Case]) -> list[QuerySet[Case]]:
    """``missing_final_q(now) | final_due_q(now)`` for any ``now``, as querysets whose union
    is those of ``cases``: one anti-join each. (The obligation's OR — reportable, or
    reported up anyway — would make PostgreSQL probe the reports of every closed case.)"""
    owing = cases.filter(status=Status.CLOSED, closed_on__isnull=False).filter(
        ~Q(Exists(_reports_of_case(kind=ReportKind.FINAL)))
    )
    return [owing.filter(reportable_q()), owing.filter(Exists(_reports_of_case(kind=ReportKind.INITIAL)))]


def owing_follow_up_q() -> Q:
    """``follow_up_overdue_q(now) | follow_up_due_q(now)`` for any ``now`` (one semi-join)."""
    return ~Q(status=Status.CLOSED) & Q(Exists(_unreported_changes()))


def missing_reports_q(now: datetime) -> Q:
    return missing_initial_q(now) | follow_up_overdue_q(now) | missing_final_q(now)


def _flag(q: Q) -> ExpressionWrapper:
    return ExpressionWrapper(q, output_field=BooleanField())


def cases_with_missing_reports(cases: QuerySet[Case], now: datetime) -> QuerySet[Case]:
    """Cases owing a report past its limit, each flagged with what it owes."""
    return (
        cases.filter(missing_reports_q(now))
        .annotate(
            owes_initial=_flag(missing_initial_q(now)),
            owes_follow_up=_flag(follow_up_overdue_q(now)),
            owes_final=_flag(missing_final_q(now)),
            change_at=first_unreported_change_at(),
        )
        .select_related("school", "school__parent")
        .order_by("determined_on", "id")
    )


def cases_possibly_concealed(cases: QuerySet[Case]) -> QuerySet[Case]:
    """Possibly concealed cases, with the day of the first appeal and of the school's
    first report, so the office can judge."""
    qs = cases.filter(possibly_concealed_q()).annotate(
        first_report_on=Subquery(
            IncidentReport.objects.filter(case=OuterRef("pk")).order_by("reported_on").values("reported_on")[:1]
        ),
        external_source=_flag(Q(source__in=conf.concealment_sources())),
    )
    qs = qs.annotate(
        first_appeal_on=Subquery(
            Appeal.objects.filter(case=OuterRef("pk")).order_by("received_on").values("received_on")[:1]
        )
    )
    return qs.select_related("school", "school__parent").order_by("-reported_on", "-id")


def cases_owing_reports(cases: QuerySet[Case], now: datetime) -> QuerySet[Case]:
    """For a school's panel: every case with a report due now, late or not yet late."""
    owes_initial = missing_initial_q(now) | initial_due_q(now)
    owes_follow_up = follow_up_overdue_q(now) | follow_up_due_q(now)
    owes_final = missing_final_q(now) | final_due_q(now)
    return (
        cases.filter(owes_initial | owes_follow_up | owes_final)
        .annotate(
            owes_initial=_flag(owes_initial),
            owes_follow_up=_flag(owes_follow_up),
            owes_final=_flag(owes_final),
            overdue_report=_flag(missing_reports_q(now)),
            change_at=first_unreported_change_at(),
        )
        .select_related("school")
        .order_by("determined_on", "id")
    )


def report_due_at(case: Case, kind: str, *, now: datetime) -> datetime | None:
    """The limit a new report of ``kind`` answers, for one case (a few small queries).

    The same rules as the predicates above, for the single case being reported."""
    if kind == ReportKind.INITIAL:
        if case.is_bullying and case.severity in conf.reportable_severities() and case.determined_on:
            return conf.due_after_day(case.determined_on, conf.report_hours(kind))
        return None
    if kind == ReportKind.FINAL:
        return conf.due_after_day(case.closed_on, conf.report_hours(kind)) if case.closed_on else None
    last = (
        IncidentReport.objects.filter(case=case)
        .order_by("-submitted_at")
        .values_list("submitted_at", flat=True)
        .first()
    )
    if last is None:
        return None
    change = (
        TimelineEntry.objects.filter(case=case, kind__in=conf.follow_up_triggers(), at__gt=last)
        .order_by("at")
        .values_list("at", flat=True)
        .first()
    )
    return change + timedelta(hours=conf.report_hours(kind)) if change else None


# ---------------------------------------------------------------------------------------
# Dashboards: which unit, and the grouped aggregates


def dashboard_units(user: User) -> QuerySet[OrgUnit]:
    """The units whose dashboard and statistics the caller may open (their subtree)."""
    return units_in_scope(user, roles=DASHBOARD_ROLES)


def dashboard_unit(user: User, org_unit_id=None) -> OrgUnit:
    """The unit a dashboard is about: ``org_unit_id`` if it is in the caller's scope
    (else 404), or the caller's top unit."""
    if org_unit_id in (None, ""):
        roots = scope_roots(user, roles=DASHBOARD_ROLES)
        if not roots:
            raise PermissionDenied("只有教育部门和学校欺凌治理委员会可以查看数据看板。")
        return roots[0]
    try:
        pk = int(org_unit_id)
    except (TypeError, ValueError):
        raise ApplicationError("单位编号应为整数。", field="org_unit")
    unit = dashboard_units(user).filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


def child_key(unit: OrgUnit, path_lookup: str):
    """SQL for "the child of ``unit`` whose subtree holds this row". NULL for a row at
    ``unit`` itself.

    On PostgreSQL the child's id is read from the row's own path (``/1/7/31/``: the
    component after the unit's), a column expression; elsewhere it is the child whose path
    is the leading part of the row's path, a subquery per row.
    """
    if connection.vendor == "postgresql":
        position = len(unit.ancestor_ids()) + 3  # '' then the unit's path components, then the child's
        component = Func(F(path_lookup), Value("/"), Value(position), function="split_part")
        return Cast(NullIf(component, Value("")), BigIntegerField())
    return Subquery(
        OrgUnit.objects.filter(parent_id=unit.pk, path=Substr(OuterRef(path_lookup), 1, Length("path")))
        .order_by()
        .values("pk")[:1]
    )


def _grouped(qs: QuerySet, unit: OrgUnit, path_lookup: str, metrics: dict) -> dict:
    """{child id (or None for the unit itself): {metric: value}} in one query."""
    rows = qs.annotate(child=child_key(unit, path_lookup)).values("child").annotate(**metrics).order_by()
    return {row.pop("child"): row for row in rows}


def case_metrics(now: datetime) -> dict:
    today = local_date(now)
    m = {
        "total": Count("pk"),
        "overdue": Count("pk", filter=CaseQuerySet.overdue_q(today)),
        "open": Count("pk", filter=~Q(status=Status.CLOSED)),
        "bullying": Count("pk", filter=Q(is_bullying=True)),
        "not_bullying": Count("pk", filter=Q(is_bullying=False)),
        "investigations": Count("pk", filter=Q(investigation_started_on__isnull=False)),
        "on_time": Count("pk", filter=Q(determined_on__isnull=False, determined_on__lte=F("investigation_due"))),
        "late": Count("pk", filter=Q(determined_on__isnull=False, determined_on__gt=F("investigation_due"))),
        "reopened": Count("pk", filter=Q(reopened_by_review=True)),
        "reportable": Count("pk", filter=reportable_q()),
    }
    for value in Status.values:
        m[f"status_{value}"] = Count("pk", filter=Q(status=value))
    for value in Severity.values:
        m[f"severity_{value}"] = Count("pk", filter=Q(is_bullying=True, severity=value))
    for value in Form.values:
        # ``forms`` is a JSON list; matching the quoted code works on PostgreSQL and SQLite alike.
        m[f"form_{value}"] = Count("pk", filter=Q(forms__icontains=f'"{value}"'))
    for value in Source.values:
        m[f"source_{value}"] = Count("pk", filter=Q(source=value))
    return m


def detection_filters(now: datetime) -> dict[str, Q]:
    """The case counts that need a look at other tables (reports, timeline, appeals).

    Counted as filters in ``WHERE`` (where PostgreSQL turns them into anti- and
    semi-joins), not as ``COUNT … FILTER`` of the main aggregate, where each would be a
    subquery per case: at a million cases that is the difference between seconds and
    a minute."""
    return {
        "missing_initial": missing_initial_q(now),
        "follow_up_overdue": follow_up_overdue_q(now),
        "missing_final": missing_final_q(now),
        # 漏报 is counted in cases (a case may owe two reports), as its list shows them.
        "missing_any": missing_reports_q(now),
        "possibly_concealed": possibly_concealed_q(),
    }


def _grouped_detections(qs: QuerySet, unit: OrgUnit, path_lookup: str, filters: dict[str, Q]) -> dict:
    """{child id (or None): {name: count}} for every filter, in one ``UNION ALL`` query."""
    parts = [
        qs.filter(q)
        .annotate(child=child_key(unit, path_lookup))
        .values("child")
        .annotate(metric=Value(name), n=Count("pk"))
        .values_list("child", "metric", "n")
        .order_by()
        for name, q in filters.items()
    ]
    found: dict = {}
    for child, metric, n in parts[0].union(*parts[1:], all=True):
        found.setdefault(child, {})[metric] = n
    return found


def report_metrics() -> dict:
    m = {
        "reports": Count("pk"),
        "late_reports": Count("pk", filter=Q(is_late=True)),
        "concern": Count("pk", filter=Q(public_concern=True)),
        "at_ministry": Count("pk", filter=Q(ministry_reported_at__isnull=False)),
    }
    for value in ReportKind.values:
        m[f"kind_{value}"] = Count("pk", filter=Q(kind=value))
        m[f"late_{value}"] = Count("pk", filter=Q(kind=value, is_late=True))
    return m


def hop_metrics(now: datetime) -> dict:
    return {
        "received": Count("pk"),
        "acknowledged": Count("pk", filter=Q(acknowledged_at__isnull=False)),
        "ack_late": Count(
            "pk",
            filter=Q(acknowledged_at__gt=F("ack_due_at")) | Q(acknowledged_at__isnull=True, ack_due_at__lt=now),
        ),
        "ack_pending": Count("pk", filter=Q(acknowledged_at__isnull=True)),
        "awaiting": Count("pk", filter=AWAITING_Q),
        "ack_overdue": Count("pk", filter=Q(acknowledged_at__isnull=True, ack_due_at__lt=now)),
        "forward_overdue": Count(
            "pk", filter=Q(forward_due_at__isnull=False, forwarded_at__isnull=True, forward_due_at__lt=now)
        ),
        "forwarded": Count("pk", filter=Q(forwarded_at__isnull=False)),
    }


def appeal_metrics(today: date) -> dict:
    m = {
        "total": Count("pk"),
        "decision_changed": Count("pk", filter=Q(overturned=True)),
        # The school's decision stands: upheld without review, or confirmed by the review.
        "upheld": Count(
            "pk",
            filter=Q(status=AppealStatus.UPHELD)
            | Q(status__in=[AppealStatus.DECIDED, AppealStatus.FILED], overturned=False),
        ),
        "review_overdue": Count("pk", filter=AppealQuerySet.overdue_q(today)),
        "decided_late": Count("pk", filter=Q(decided_on__isnull=False, decided_on__gt=F("review_due"))),
    }
    for value in AppealStatus.values:
        m[f"status_{value}"] = Count("pk", filter=Q(status=value))
    return m


def _sum(rows: Iterable[dict], keys: Iterable[str]) -> dict:
    rows = list(rows)
    return {k: sum(r.get(k, 0) for r in rows) for k in keys}


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class ChildRow:
    unit: OrgUnit
    cases: dict
    reports: dict
    hops: dict
    appeals: dict

    @property
    def overdue_rate(self) -> float | None:
        """超期率: investigations finished late or still overdue, of those started."""
        return _rate(self.cases["late"] + self.cases["overdue"], self.cases["investigations"])

    @property
    def late_report_rate(self) -> float | None:
        return _rate(self.reports["late_reports"], self.reports["reports"])

    @property
    def missing_reports(self) -> int:
        """漏报: cases owing a report past its limit (``cases_with_missing_reports``)."""
        return self.cases["missing_any"]


@dataclass
class Dashboard:
    unit: OrgUnit
    period: Period | None
    now: datetime
    cases: dict
    reports: dict
    hops: dict
    own_hops: dict  # reports arriving at the unit itself, when it is the caller's office (its 签收 record)
    appeals: dict | None
    children: list[ChildRow] = field(default_factory=list)

    @property
    def overdue_rate(self) -> float | None:
        return _rate(self.cases["late"] + self.cases["overdue"], self.cases["investigations"])

    @property
    def late_report_rate(self) -> float | None:
        return _rate(self.reports["late_reports"], self.reports["reports"])

    @property
    def missing_reports(self) -> int:
        """漏报: cases owing a report past its limit (``cases_with_missing_reports``)."""
        return self.cases["missing_any"]

    def league(self) -> list[ChildRow]:
        """Child units, worst first: overdue rate, then late-report rate, then missing reports."""

        def key(row: ChildRow):
            return (-(row.overdue_rate or 0), -(row.late_report_rate or 0), -row.missing_reports, row.unit.path)

        return sorted(self.children, key=key)


# The workbench opens many times a day; a province's figures take seconds to count. Its
# summary shows them as of at most five minutes ago (and says so); the dashboard is live.
SUMMARY_SECONDS = 300


def dashboard_summary(user: User, unit: OrgUnit) -> dict:
    """The key figures of ``unit`` for the workbench, counted at most every SUMMARY_SECONDS.

    The same figures as the caller's dashboard of ``unit`` (``dashboard``), so cached per
    caller and unit: reports and appeals count only where they have reached the caller.
    Aggregates only (no names, no case)."""
    key = f"reporting:summary:{user.pk}:{unit.pk}"
    figures = cache.get(key)
    if figures is None:
        now = timezone.now()
        d = dashboard(user, unit, now=now)
        figures = {
            "total": d.cases["total"],
            "overdue": d.cases["overdue"],
            "overdue_rate": d.overdue_rate,
            "late_reports": d.reports["late_reports"],
            "missing_reports": d.missing_reports,
            "possibly_concealed": d.cases["possibly_concealed"],
            "at": now,
        }
        cache.set(key, figures, SUMMARY_SECONDS)
    return figures


def _in_period(qs: QuerySet, period: Period | None, lookup: str) -> QuerySet:
    if period is None:
        return qs
    return qs.filter(**{f"{lookup}__gte": period.start, f"{lookup}__lte": period.end})


def cases_in(user: User, unit: OrgUnit, period: Period | None = None) -> QuerySet[Case]:
    """The cases the caller sees (``cases_visible_to``) under ``unit``, reported in ``period``."""
    return _in_period(cases_visible_to(user, within=unit), period, "reported_on")


def reports_in(user: User, unit: OrgUnit, period: Period | None = None) -> QuerySet[IncidentReport]:
    """The reports that have reached the caller (``reports_visible_to``), of schools under
    ``unit``, reported in ``period``."""
    return _in_period(reports_visible_to(user).filter(subtree_q([unit], "school__")), period, "reported_on")


def hops_in(user: User, unit: OrgUnit, period: Period | None = None) -> ReportHopQuerySet:
    """The steps, at offices under ``unit``, of the reports in ``reports_in``, received in ``period``."""
    hops = ReportHop.objects.filter(report__in=reports_in(user, unit).values("pk")).filter(
        subtree_q([unit], "org_unit__")
    )
    if period is not None:
        hops = hops.filter(received_at__date__gte=period.start, received_at__date__lte=period.end)
    return hops


def appeals_in(user: User, unit: OrgUnit, period: Period | None = None) -> QuerySet[Appeal]:
    """The appeals the caller sees (``appeals_visible_to``) under ``unit``, received in ``period``."""
    return _in_period(appeals_visible_to(user, within=unit), period, "received_on")


def dashboard(user: User, unit: OrgUnit, *, now: datetime, period: Period | None = None) -> Dashboard:
    """Every figure of a unit's dashboard and of each of its child units, as ``user`` sees them.

    Each figure counts the rows of the list it drills into: cases by ``cases_visible_to``,
    reports only once they have reached the caller (``reports_visible_to``), appeals by
    ``appeals_visible_to`` (the offices above the county once filed with them), each cut
    to the unit's subtree (``cases_in``, ``reports_in``, ``hops_in``, ``appeals_in``).

    Six queries whatever the size of the tree: the child units, then cases, the cases'
    report detections (one ``UNION ALL``), reports, report hops and appeals, each grouped
    by child unit in SQL. The unit's own figures are the sums of its children's plus the
    rows at the unit itself.
    """
    children = list(OrgUnit.objects.filter(parent=unit).order_by("path"))
    today = local_date(now)

    cases_qs = cases_in(user, unit, period)
    plain, detections = case_metrics(now), detection_filters(now)
    c_metrics = {**plain, **detections}
    counted = _grouped(cases_qs, unit, "school__path", plain)
    detected = _grouped_detections(cases_qs, unit, "school__path", detections)
    by_child_cases = {
        child: {**dict.fromkeys(c_metrics, 0), **counted.get(child, {}), **detected.get(child, {})}
        for child in counted.keys() | detected.keys()
    }

    reports_qs = reports_in(user, unit, period)
    r_metrics = report_metrics()
    by_child_reports = _grouped(reports_qs, unit, "school__path", r_metrics)

    hops_qs = hops_in(user, unit, period)
    h_metrics = hop_metrics(now)
    by_child_hops = _grouped(hops_qs, unit, "org_unit__path", h_metrics)

    appeals_qs = appeals_in(user, unit, period)
    a_metrics = appeal_metrics(today)
    by_child_appeals = _grouped(appeals_qs, unit, "case__school__path", a_metrics)

    def pick(grouped: dict, metrics: dict, key: int | None) -> dict:
        return grouped.get(key) or dict.fromkeys(metrics, 0)

    rows = [
        ChildRow(
            unit=child,
            cases=pick(by_child_cases, c_metrics, child.pk),
            reports=pick(by_child_reports, r_metrics, child.pk),
            hops=pick(by_child_hops, h_metrics, child.pk),
            appeals=pick(by_child_appeals, a_metrics, child.pk),
        )
        for child in children
    ]
    # What waits at the unit is a to-do (awaiting_action) only at the caller's own office.
    own_hops = pick(by_child_hops, h_metrics, None) if unit.pk in office_unit_ids(user) else dict.fromkeys(h_metrics, 0)
    return Dashboard(
        unit=unit,
        period=period,
        now=now,
        cases=_sum(by_child_cases.values(), c_metrics),
        reports=_sum(by_child_reports.values(), r_metrics),
        hops=_sum(by_child_hops.values(), h_metrics),
        own_hops=own_hops,
        appeals=_sum(by_child_appeals.values(), a_metrics),
        children=rows,
    )


def monthly_trend(user: User, unit: OrgUnit, *, today: date, months: int = 12) -> list[dict]:
    """Cases reported per month over the last ``months`` months, gaps filled with zero
    (the caller's cases under ``unit``)."""
    first = date(today.year, today.month, 1)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    rows = (
        cases_in(user, unit)
        .filter(reported_on__gte=first)
        .annotate(month=TruncMonth("reported_on"))
        .values("month")
        .annotate(
            total=Count("pk"),
            bullying=Count("pk", filter=Q(is_bullying=True)),
            serious=Count("pk", filter=reportable_q()),
        )
        .order_by("month")
    )
    found = {(r["month"].year, r["month"].month): dict(r) for r in rows}
    out = []
    y, m = first.year, first.month
    for _ in range(months):
        r = found.get((y, m), {})
        out.append(
            {
                "month": f"{y}-{m:02d}",
                "total": r.get("total", 0),
                "bullying": r.get("bullying", 0),
                "serious": r.get("serious", 0),
            }
        )
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def by_grade(user: User, unit: OrgUnit, *, period: Period | None = None) -> list[dict]:
    """Cases by the grade of the students involved (受欺凌 / 实施欺凌), one query (the
    caller's cases under ``unit``)."""
    cases = cases_in(user, unit, period)
    rows = (
        Party.objects.filter(case__in=cases.values("pk"), role__in=[PartyRole.VICTIM, PartyRole.PERPETRATOR])
        .values("grade", "role")
        .annotate(cases=Count("case", distinct=True))
        .order_by("grade")
    )
    table: dict[str, dict] = {}
    for r in rows:
        grade = r["grade"] or "未填写"
        entry = table.setdefault(grade, {"grade": grade, "victim": 0, "perpetrator": 0})
        entry[r["role"]] += r["cases"]
    return sorted(table.values(), key=lambda e: _grade_order(e["grade"]))


_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", start=1)}
_STAGE_OFFSET = {"小": 0, "初": 6, "高": 9}


def _grade_order(grade: str) -> tuple:
    """一年级 … 九年级, 初一 … 初三 (7–9), 高一 … 高三 (10–12); anything else after, by name."""
    if grade == "未填写":
        return (2, 0, grade)
    digits = [c for c in grade if c in _NUMERALS or c.isdigit()]
    if not digits:
        return (1, 0, grade)
    n = int(digits[0]) if digits[0].isdigit() else _NUMERALS[digits[0]]
    return (0, n + _STAGE_OFFSET.get(grade[0], 0), grade)


@dataclass
class DashboardLists:
    """The dashboard's lists of things to act on, each read by the caller's own rule:
    cases by the case scope, reports only where they have reached the caller."""

    overdue_cases: list
    missing_reports: list
    concealed: list
    late_reports: list
    overdue_hops: list
    awaiting: list


def dashboard_lists(
    user: User, unit: OrgUnit, *, now: datetime, period: Period | None = None, limit: int | None = 50
) -> DashboardLists:
    """Six queries whatever the number of rows (``limit`` None: every row, for exports).

    Read from the same sets as the figures of ``dashboard`` (``cases_in``, ``reports_in``,
    ``hops_in``), so each figure is the length of the list it drills into."""
    today = local_date(now)
    cases = cases_in(user, unit, period)
    reports = reports_in(user, unit, period)

    def cut(qs):
        return list(qs if limit is None else qs[:limit])

    overdue = cases.filter(CaseQuerySet.overdue_q(today)).select_related("school").order_by("investigation_due", "id")
    late = reports.filter(is_late=True).select_related("case", "school", "current_unit").order_by("-submitted_at")
    overdue_hops = (
        hops_in(user, unit, period)
        .overdue(now)
        .select_related("report", "report__school", "org_unit")
        .order_by("ack_due_at", "id")
    )
    awaiting = awaiting_action(user).filter(org_unit=unit)
    if period is not None:
        awaiting = awaiting.filter(received_at__date__gte=period.start, received_at__date__lte=period.end)
    return DashboardLists(
        overdue_cases=cut(overdue),
        missing_reports=cut(cases_with_missing_reports(cases, now)),
        concealed=cut(cases_possibly_concealed(cases)),
        late_reports=cut(late),
        overdue_hops=cut(overdue_hops),
        awaiting=cut(awaiting),
    )


def breadcrumbs(user: User, unit: OrgUnit) -> list[OrgUnit]:
    """The unit's ancestors that are in the caller's dashboard scope, top first (one query)."""
    roots = scope_roots(user, roles=DASHBOARD_ROLES)
    ancestors = OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("path")
    return [a for a in ancestors if any(a.path.startswith(r.path) for r in roots)]


# ---------------------------------------------------------------------------------------
# Statistics tables (基本情况统计表)


def can_submit_stats(user: User, unit: OrgUnit) -> bool:
    """The unit itself submits its table: its committee (a school) or its office."""
    roles = STAT_SUBMITTER_ROLES.get(unit.level, frozenset())
    return any(m.org_unit_id == unit.pk and m.role in roles for m in memberships_of(user))


def stat_return_of(unit: OrgUnit, period: Period) -> StatReturn | None:
    return StatReturn.objects.filter(org_unit=unit, period=period.code).select_related("submitted_by").first()


@dataclass
class Completeness:
    unit: OrgUnit
    status: str  # on_time | late | missing | pending
    stat_return: StatReturn | None

    LABELS = {"on_time": "按时报送", "late": "逾期报送", "missing": "逾期未报", "pending": "待报送"}

    @property
    def label(self) -> str:
        return self.LABELS[self.status]


def stat_completeness(unit: OrgUnit, period: Period, *, today: date) -> list[Completeness]:
    """For the office ``unit``: which child units submitted the period's table, on time or
    late, and which have not (two queries)."""
    children = list(OrgUnit.objects.filter(parent=unit, is_active=True).order_by("path"))
    returns = {
        r.org_unit_id: r
        for r in StatReturn.objects.filter(org_unit__parent=unit, period=period.code).select_related("submitted_by")
    }
    out = []
    for child in children:
        r = returns.get(child.pk)
        if r is not None:
            status = "late" if r.is_late else "on_time"
        else:
            status = "missing" if today > period.due else "pending"
        out.append(Completeness(child, status, r))
    return out
