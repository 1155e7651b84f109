"""Report time limits registered with the reminder sweep (``bullying.deadlines.reminders``).

Four kinds, each listed with one query:

- ``report_initial`` / ``report_follow_up`` / ``report_final`` — a case owing a report: the
  school's committee is reminded, and the county is told once the limit has passed (督办);
- ``report_hop`` — a report at an office waiting to be signed for (签收) or, where the
  rules send it higher, forwarded: that office is reminded, the office above is told.

Due dates are days, as the sweep counts them: the local date of the limit.
"""

from collections.abc import Iterable
from datetime import date, timedelta

from django.db.models import Q

from accounts.models import COMMITTEE_ROLES, OFFICE_ROLES, Role
from bullying.deadlines.reminders import DeadlineKind, OpenDeadline, register_deadline_kind
from bullying.timeutil import local_date
from cases.models import Case
from reporting import conf, selectors
from reporting.models import ReportHop, ReportKind

KIND_LABELS = dict(ReportKind.choices)


def _days(hours: float) -> int:
    return max(1, -(-int(hours) // 24))


def _due_of(kind: str, row: dict, hours: float) -> date:
    if kind == ReportKind.INITIAL:
        return row["determined_on"] + timedelta(days=_days(hours))
    if kind == ReportKind.FINAL:
        return row["closed_on"] + timedelta(days=_days(hours))
    return local_date(row["change_at"] + timedelta(hours=hours))


def _rows(kind: str, ids: Iterable[int] | None = None):
    """The cases owing a report of ``kind``, late or not yet late (the sweep works out the
    threshold from the due day)."""
    cases = Case.objects.all() if ids is None else Case.objects.filter(pk__in=list(ids))
    fields = ["pk", "number", "school_id", "school__parent_id", "determined_on", "closed_on"]
    if kind == ReportKind.INITIAL:
        return cases.filter(selectors.owing_initial_q()).order_by().values(*fields)
    if kind == ReportKind.FINAL:
        first, *rest = [part.order_by().values(*fields) for part in selectors.owing_final_parts(cases)]
        return first.union(*rest)
    owing = cases.filter(selectors.owing_follow_up_q()).annotate(change_at=selectors.first_unreported_change_at())
    return owing.order_by().values(*fields, "change_at")


def _case_kind(kind: str) -> DeadlineKind:
    label = KIND_LABELS[kind]

    def open_deadlines() -> Iterable[OpenDeadline]:
        hours = conf.report_hours(kind)  # once per sweep, not per row
        for row in _rows(kind).iterator(chunk_size=5000):
            yield OpenDeadline(
                object_id=row["pk"],
                due=_due_of(kind, row, hours),
                unit_id=row["school_id"],
                escalation_unit_id=row["school__parent_id"],
                subject=f"欺凌事件 {row['number']} 的{label}",
                link=f"/reporting/reports/?case={row['pk']}",
            )

    def still_open(ids: Iterable[int]) -> dict[int, date]:
        hours = conf.report_hours(kind)
        return {row["pk"]: _due_of(kind, row, hours) for row in _rows(kind, ids)}

    return DeadlineKind(
        code=f"report_{kind}",
        label=f"事件{label}时限",
        open_deadlines=open_deadlines,
        still_open=still_open,
        recipient_roles=frozenset(COMMITTEE_ROLES),
        escalation_roles=frozenset({Role.COUNTY_OFFICER}),
        before_days=(),
        repeat_days=3,
    )


def _open_hops():
    return ReportHop.objects.filter(
        Q(acknowledged_at__isnull=True) | Q(forward_due_at__isnull=False, forwarded_at__isnull=True)
    )


def _hop_due(ack_due_at, acknowledged_at, forward_due_at) -> date:
    return local_date(ack_due_at if acknowledged_at is None else forward_due_at)


def _hop_deadlines() -> Iterable[OpenDeadline]:
    rows = _open_hops().values_list(
        "pk",
        "report_id",
        "report__number",
        "org_unit_id",
        "org_unit__parent_id",
        "ack_due_at",
        "acknowledged_at",
        "forward_due_at",
    )
    for pk, report_id, number, unit_id, parent_id, ack_due, acked, forward_due in rows.iterator(chunk_size=2000):
        action = "签收" if acked is None else "转报"
        yield OpenDeadline(
            object_id=pk,
            due=_hop_due(ack_due, acked, forward_due),
            unit_id=unit_id,
            escalation_unit_id=parent_id,
            subject=f"欺凌事件报告 {number} 的{action}",
            link=f"/reporting/reports/{report_id}/",
        )


def _hops_still_open(ids: Iterable[int]) -> dict[int, date]:
    rows = _open_hops().filter(pk__in=list(ids)).values_list("pk", "ack_due_at", "acknowledged_at", "forward_due_at")
    return {pk: _hop_due(ack_due, acked, forward_due) for pk, ack_due, acked, forward_due in rows}


def register() -> None:
    for kind in ReportKind.values:
        register_deadline_kind(_case_kind(kind))
    register_deadline_kind(
        DeadlineKind(
            code="report_hop",
            label="事件报告签收与转报时限",
            open_deadlines=_hop_deadlines,
            still_open=_hops_still_open,
            recipient_roles=frozenset(OFFICE_ROLES),
            escalation_roles=frozenset(OFFICE_ROLES),
            before_days=(),
            repeat_days=3,
        )
    )
