"""Writes on incident reports and statistics tables.

Each service is keyword-only, checks who acts and the current state, locks the rows it
changes, reads ``now`` once, and writes the case timeline and the audit log in the same
transaction. Notifications carry no names and no incident content, only a link.

The report's flow (任务四，政策清单第31–32项):

- ``report_submit``: the school's committee reports a case (首报 / 续报 / 终报); the report
  reaches the office directly above the school (the county) at once.
- ``report_acknowledge``: that office signs for it (签收), with its handling note.
- ``report_forward``: the office passes it to the office above with its note; serious
  cases must go on (``conf.must_forward``); a report of wide public concern (舆论高度关注)
  goes from the province to the Ministry's department in charge.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership, OrgUnit, Role, User
from bullying.audit.services import audit_record
from bullying.deadlines.notifications import notify
from bullying.errors import ApplicationError
from bullying.timeutil import local_date
from bullying.workflow import advance, effective_date, lock, timeline_append
from cases import selectors as case_selectors
from cases.models import Case, PartyRole, Severity, Status
from cases.privacy import privacy_masked
from cases.services import case_for_update, current_determination
from reporting import conf, selectors
from reporting.models import REPORT_TRANSITIONS, IncidentReport, ReportHop, ReportKind, ReportStatus, StatReturn
from reporting.periods import period_by_code
from reporting.tables import stat_figures

KIND_LABELS = dict(ReportKind.choices)
LEVEL_OFFICE_ROLES = {"county": Role.COUNTY_OFFICER, "city": Role.CITY_OFFICER, "province": Role.PROVINCE_OFFICER}
MAX_CONTENT = 20000


# ---------------------------------------------------------------------------------------
# Helpers


def _clean_kind(kind: str) -> str:
    if kind not in ReportKind.values:
        raise ApplicationError(f"报告类别“{str(kind)[:20]}”无效，应为 initial、follow_up 或 final。", field="kind")
    return kind


def _step_moment(on: date | None, *, now: datetime, not_before: datetime, label: str) -> datetime:
    """The moment a step happened. Today (or no date) is now; a past day recorded from
    paper counts as the end of that day (the hour was not recorded)."""
    today = local_date(now)
    day = effective_date(on, after=local_date(not_before), after_label=label)
    if day >= today:
        return now
    return max(not_before, conf.end_of_day(day) - timedelta(seconds=1))


def _notify_office(*, unit: OrgUnit, report: IncidentReport, hop: ReportHop, title: str) -> None:
    role = LEVEL_OFFICE_ROLES.get(unit.level)
    if role is None:
        return
    members = Membership.objects.filter(org_unit=unit, role=role, user__is_active=True).select_related("user")
    for m in members:
        notify(
            recipient=m.user,
            kind="report:received",
            title=title,
            link=reverse("reporting:report_detail", args=[report.pk]),
            dedupe_key=f"report:{report.pk}:hop:{hop.pk}:{m.user_id}",
        )


def _masked(case: Case, text: str) -> str:
    """Free text that climbs above the county, with every party's name and student
    number masked, whoever typed it (政策清单第33项)."""
    return privacy_masked(case).text(text)


def _lock_report(report: IncidentReport) -> IncidentReport:
    return lock(
        IncidentReport.objects.select_related("case", "case__school", "school", "current_unit"),
        report.pk,
        of=("self",),
    )


def _require_own_hop(actor: User, report: IncidentReport) -> ReportHop:
    offices = selectors.office_unit_ids(actor)
    hop = (
        ReportHop.objects.select_for_update(of=("self",))
        .select_related("org_unit", "org_unit__parent")
        .filter(report=report, org_unit_id__in=offices)
        .first()
    )
    if hop is None:
        raise PermissionDenied("只有报告所到单位的教育部门可以办理此事项。")
    return hop


# ---------------------------------------------------------------------------------------
# Drafting


def report_draft(*, case: Case, kind: str = ReportKind.INITIAL) -> str:
    """A report drafted from the case record, for the school to edit: time, place, cause
    and course, the people involved (names masked), the finding and the measures taken.

    The report is for the office above, so it is drafted as that office may read it:
    through a masked presenter, whoever drafts it (no names, student numbers, grade or
    class; names in the staff-written text replaced)."""
    case = Case.objects.select_related("school", "school__parent").get(pk=case.pk)
    parties = list(case.parties.all())
    privacy = privacy_masked(case)
    local = timezone.localtime(case.occurred_at)
    lines = [
        f"{case.school.name}关于学生欺凌事件的{KIND_LABELS.get(kind, '报告')}",
        "",
        "一、基本情况",
        f"发生时间：{local:%Y年%m月%d日 %H:%M}",
        f"发生地点：{privacy.field(case, 'location')}",
        f"欺凌形式：{case.get_forms_display()}",
        f"线索来源：{case.get_source_display()}；受理日期：{case.reported_on:%Y年%m月%d日}",
        "",
        "二、事件起因与经过",
        privacy.field(case, "summary"),
        "",
        "三、涉及人员（姓名已遮蔽）",
    ]
    # Witnesses are counted, not named: their identity must not leave the school (政策清单第33项).
    witnesses = 0
    for p in parties:
        if p.role == PartyRole.WITNESS:
            witnesses += 1
            continue
        where = privacy.grade_class(p)
        extra = "（非本校学生）" if p.is_external else ""
        lines.append(f"{p.get_role_display()}：{privacy.name(p)}{'，' + where if where else ''}{extra}")
    if witnesses:
        lines.append(f"证人：{witnesses} 名（身份信息不予报送）")
    determination = current_determination(case)
    lines += ["", "四、调查认定"]
    if case.investigation_started_on:
        lines.append(f"{case.investigation_started_on:%Y年%m月%d日}启动调查处理程序。")
    if determination is not None:
        verdict = (
            f"认定构成欺凌（{Severity(determination.severity).label}）"
            if determination.is_bullying
            else "认定不构成欺凌"
        )
        lines.append(f"{determination.decided_on:%Y年%m月%d日}学生欺凌治理委员会{verdict}。")
    else:
        lines.append("调查尚在进行中，尚未作出认定。")
    lines += ["", "五、已采取的措施"]
    measures = list(case.measures.order_by("decided_on", "id"))
    if measures:
        for i, m in enumerate(measures, start=1):
            done = f"，已于{m.completed_on:%m月%d日}完成" if m.completed_on else ""
            lines.append(f"{i}. {m.decided_on:%m月%d日} {m.get_kind_display()}{done}")
    else:
        lines.append("（暂无）")
    notices = case.parent_notices.count()
    if notices:
        lines.append(f"已与家长沟通告知 {notices} 次。")
    if kind == ReportKind.FINAL and case.closed_on:
        lines += [
            "",
            "六、办结情况",
            f"{case.closed_on:%Y年%m月%d日}结案归档。{privacy.field(case, 'closing_summary')}",
        ]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------
# Submitting, signing for, forwarding


@transaction.atomic
def report_submit(
    *,
    actor: User,
    case: Case,
    kind: str,
    content: str = "",
    public_concern: bool = False,
    on: date | None = None,
) -> IncidentReport:
    """The school's committee reports the case to the office above (the county)."""
    case = case_for_update(case)
    if not case_selectors.can_handle(actor, case):
        raise PermissionDenied("只有本校学生欺凌治理委员会可以报送事件报告。")
    kind = _clean_kind(kind)
    office = case.school.parent
    if office is None:
        raise ApplicationError("学校没有上级单位，无法报送。")
    previous = list(IncidentReport.objects.filter(case=case).values_list("kind", "reported_on").order_by("sequence"))
    existing = {k for k, _ in previous}
    if kind == ReportKind.INITIAL and ReportKind.INITIAL in existing:
        raise ApplicationError("本案已报送首报；情况变化请报送续报。", field="kind")
    if kind != ReportKind.INITIAL and ReportKind.INITIAL not in existing:
        raise ApplicationError("请先报送首报。", field="kind")
    if ReportKind.FINAL in existing and (kind == ReportKind.FINAL or case.status == Status.CLOSED):
        raise ApplicationError("本案已报送终报。", field="kind")
    if kind == ReportKind.FINAL and case.status != Status.CLOSED:
        raise ApplicationError("案件结案后方可报送终报。", field="kind")
    # Never dated before the case was received, the previous report, or (终报) the closing.
    floors = [(case.reported_on, "受理日期")]
    if previous:
        floors.append((max(day for _, day in previous), "上一份报告的报送日期"))
    if kind == ReportKind.FINAL and case.closed_on is not None:
        floors.append((case.closed_on, "结案日期"))
    floor, label = max(floors, key=lambda f: f[0])
    on = effective_date(on, after=floor, after_label=label)

    text = (content or "").strip() or report_draft(case=case, kind=kind)
    if len(text) > MAX_CONTENT:
        raise ApplicationError(f"报告内容不能超过 {MAX_CONTENT} 字。", field="content")
    text = _masked(case, text)

    now = timezone.now()
    moment = now if on >= local_date(now) else conf.end_of_day(on) - timedelta(seconds=1)
    due = selectors.report_due_at(case, kind, now=now)
    sequence = len(previous) + 1
    number = f"{case.number}-R{sequence}"
    try:
        with transaction.atomic():
            report = IncidentReport.objects.create(
                case=case,
                school=case.school,
                number=number,
                sequence=sequence,
                kind=kind,
                status=ReportStatus.PENDING,
                current_unit=office,
                content=text,
                severity=case.severity if case.is_bullying else "",
                public_concern=bool(public_concern),
                reported_on=on,
                submitted_at=now,
                submitted_by=actor,
                due_at=due,
                is_late=bool(due and moment > due),
            )
    except IntegrityError:  # a parallel submission of the same initial or final report
        raise ApplicationError("该报告已由他人报送，请刷新后查看。", field="kind")
    hop = ReportHop.objects.create(
        report=report,
        org_unit=office,
        received_at=now,
        ack_due_at=now + timedelta(hours=conf.acknowledge_hours(office.level)),
    )
    late = "（迟报）" if report.is_late else ""
    timeline_append(
        case,
        actor=actor,
        on=on,
        kind="report_submitted",
        text=f"向{office.name}报送{KIND_LABELS[kind]}（编号 {number}）{late}。",
        report=report.pk,
    )
    audit_record(action="report.submitted", actor=actor, obj=report, detail={"kind": kind, "late": report.is_late})
    _notify_office(
        unit=office, report=report, hop=hop, title=f"收到欺凌事件{KIND_LABELS[kind]}（编号 {number}），请及时签收。"
    )
    return report


@transaction.atomic
def report_acknowledge(
    *, actor: User, report: IncidentReport, note: str = "", on: date | None = None
) -> IncidentReport:
    """The office the report has reached signs for it (签收), optionally with a note."""
    report = _lock_report(report)
    hop = _require_own_hop(actor, report)
    if hop.acknowledged_at is not None:
        raise ApplicationError("本单位已签收该报告。")
    now = timezone.now()
    moment = _step_moment(on, now=now, not_before=hop.received_at, label="收到日期")
    hop.acknowledged_at = moment
    hop.acknowledged_by = actor
    if (note or "").strip():
        hop.note = _masked(report.case, note.strip()[:2000])
    severity = report.case.severity if report.case.is_bullying else ""
    if conf.must_forward(level=hop.org_unit.level, severity=severity, public_concern=report.public_concern):
        hop.forward_due_at = moment + timedelta(hours=conf.forward_hours(hop.org_unit.level))
    hop.save(update_fields=["acknowledged_at", "acknowledged_by", "note", "forward_due_at"])
    if report.current_unit_id == hop.org_unit_id and REPORT_TRANSITIONS["acknowledge"].offered(report):
        advance(report, to=ReportStatus.ACKNOWLEDGED)
    late = "（超过签收时限）" if hop.ack_late() else ""
    timeline_append(
        report.case,
        actor=actor,
        on=local_date(moment),
        kind="report_acknowledged",
        text=f"{hop.org_unit.name}签收{KIND_LABELS[report.kind]}（编号 {report.number}）{late}。",
        report=report.pk,
    )
    audit_record(action="report.acknowledged", actor=actor, obj=report, org_unit=hop.org_unit)
    return report


@transaction.atomic
def report_forward(
    *,
    actor: User,
    report: IncidentReport,
    note: str,
    public_concern: bool = False,
    on: date | None = None,
) -> IncidentReport:
    """Pass the report to the office above with this office's handling note. At the
    province only a report of wide public concern goes on, to the Ministry."""
    report = _lock_report(report)
    hop = _require_own_hop(actor, report)
    if hop.acknowledged_at is None:
        raise ApplicationError("请先签收，再转报。")
    if hop.forwarded_at is not None:
        raise ApplicationError("本单位已转报该报告。")
    REPORT_TRANSITIONS.check(report, "forward")
    note = (note or "").strip()
    if not note:
        raise ApplicationError("请填写本级处理意见。", field="note")
    note = _masked(report.case, note[:2000])
    now = timezone.now()
    moment = _step_moment(on, now=now, not_before=hop.acknowledged_at, label="签收日期")
    if public_concern and not report.public_concern:
        report.public_concern = True
    upper = hop.org_unit.parent
    if upper is None and not report.public_concern:
        raise ApplicationError("省级为最高层级；只有舆论高度关注的事件需报教育部。", field="public_concern")

    hop.forwarded_at = moment
    hop.forwarded_by = actor
    hop.note = f"{hop.note}\n{note}" if hop.note and note not in hop.note else note
    hop.save(update_fields=["forwarded_at", "forwarded_by", "note"])
    if upper is None:
        advance(
            report,
            to=ReportStatus.MINISTRY,
            fields={
                "public_concern": report.public_concern,
                "ministry_reported_at": moment,
                "ministry_reported_by": actor,
            },
        )
        target_name = "教育部主管司局"
    else:
        new_hop = ReportHop.objects.create(
            report=report,
            org_unit=upper,
            received_at=now,
            ack_due_at=now + timedelta(hours=conf.acknowledge_hours(upper.level)),
        )
        advance(
            report,
            to=ReportStatus.PENDING,
            fields={"current_unit": upper, "public_concern": report.public_concern},
        )
        target_name = upper.name
    concern = "（舆论高度关注）" if report.public_concern else ""
    timeline_append(
        report.case,
        actor=actor,
        on=local_date(moment),
        kind="report_forwarded",
        text=f"{hop.org_unit.name}将{KIND_LABELS[report.kind]}（编号 {report.number}）转报{target_name}{concern}。",
        report=report.pk,
    )
    audit_record(
        action="report.forwarded",
        actor=actor,
        obj=report,
        org_unit=hop.org_unit,
        detail={"to": upper.pk if upper else "ministry", "public_concern": report.public_concern},
    )
    if upper is not None:
        _notify_office(
            unit=upper,
            report=report,
            hop=new_hop,
            title=f"{hop.org_unit.name}转报欺凌事件{KIND_LABELS[report.kind]}（编号 {report.number}），请及时签收。",
        )
    return report


# ---------------------------------------------------------------------------------------
# Statistics tables (基本情况统计表)


@transaction.atomic
def stat_return_submit(
    *, actor: User, unit: OrgUnit, period: str, comment: str = "", on: date | None = None
) -> StatReturn:
    """The unit submits its table for the period, computed from the data now. A second
    submission corrects the table; timeliness stays that of the first."""
    if not selectors.can_submit_stats(actor, unit):
        raise PermissionDenied("只有本单位人员可以报送本单位的统计表。")
    p = period_by_code(period)
    now = timezone.now()
    today = local_date(now)
    if not p.is_over(today):
        raise ApplicationError(f"统计截止日（{p.end:%Y-%m-%d}）起方可报送。", field="period")
    on = effective_date(on, after=p.end, after_label="统计截止日")
    figures = stat_figures(actor, unit, p, now=now)
    comment = (comment or "").strip()[:2000]
    OrgUnit.objects.select_for_update().filter(pk=unit.pk).first()  # one submission at a time per unit
    existing = StatReturn.objects.select_for_update().filter(org_unit=unit, period=p.code).first()
    if existing is not None:
        existing.figures = figures
        existing.comment = comment
        existing.revision += 1
        existing.submitted_by = actor
        existing.save(update_fields=["figures", "comment", "revision", "submitted_by", "updated_at"])
        audit_record(action="stats.corrected", actor=actor, obj=existing, org_unit=unit, detail={"period": p.code})
        return existing
    stat = StatReturn.objects.create(
        org_unit=unit,
        period=p.code,
        period_label=p.label,
        period_start=p.start,
        period_end=p.end,
        due_on=p.due,
        figures=figures,
        comment=comment,
        submitted_on=on,
        submitted_at=now,
        submitted_by=actor,
        is_late=on > p.due,
    )
    audit_record(
        action="stats.submitted", actor=actor, obj=stat, org_unit=unit, detail={"period": p.code, "late": stat.is_late}
    )
    return stat
