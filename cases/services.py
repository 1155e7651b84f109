"""Writes on cases. Each service checks who acts and the current state, takes the
effective date of the step (``on``: paper first, system later is normal), locks the
case row, and appends to the timeline in the same transaction.
"""

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from accounts.models import OrgUnit, User
from bullying.audit.services import audit_record
from bullying.deadlines.calendar import compute_due, recompute_due_dates, register_deadline_source, rule_for
from bullying.deadlines.notifications import notify
from bullying.errors import ApplicationError
from bullying.timeutil import local_date, today_local
from bullying.uploads import check_upload, clean_name
from bullying.workflow import advance, effective_date, lock, register_timeline, timeline_append
from cases import selectors
from cases.models import (
    CASE_TRANSITIONS,
    INVESTIGATION_DAYS,
    MEASURE_MIN_SEVERITY,
    MEASURES_FOR_VICTIMS,
    MEASURES_NEEDING_APPROVAL,
    SEVERITY_ORDER,
    Attachment,
    Case,
    Determination,
    FollowUp,
    Form,
    Measure,
    MeasureKind,
    NoticeDirection,
    NoticeMethod,
    ParentNotice,
    Party,
    PartyRole,
    Severity,
    Source,
    Status,
    TimelineEntry,
    UnmaskGrant,
    UnmaskStatus,
)

STATUS_LABELS = dict(Status.choices)


# ---------------------------------------------------------------------------
# Helpers


def case_for_update(case: Case) -> Case:
    """The case row locked for the rest of the transaction, with its school."""
    return lock(Case.objects.select_related("school"), case.pk)


def case_timeline_append(case: Case, /, *, text: str, actor: User | None, on: date, kind: str, **data) -> TimelineEntry:
    """The case's timeline writer (``bullying.workflow.timeline_append``). ``text`` never
    carries a child's name."""
    return TimelineEntry.objects.create(case=case, actor=actor, on=on, kind=kind, text=text[:500], data=data)


def _require_handler(actor: User, case: Case) -> None:
    if not selectors.can_handle(actor, case):
        raise PermissionDenied("只有本校学生欺凌治理委员会成员可以办理此事项。")


def _require_open(case: Case) -> None:
    if case.status == Status.CLOSED:
        raise ApplicationError("案件已结案归档，不能再修改。")


def _clean_choice(value: str, choices, *, field: str, label: str) -> str:
    if value not in choices.values:
        raise ApplicationError(f"{label}“{value}”无效。", field=field)
    return value


# ---------------------------------------------------------------------------
# Intake


@transaction.atomic
def case_open(
    *,
    actor: User,
    school: OrgUnit,
    occurred_at: datetime,
    location: str,
    source: str,
    forms: Iterable[str],
    summary: str,
    parties: Iterable[dict],
    on: date | None = None,
) -> Case:
    """Record an incident (受理). Any staff member of the school may do it."""
    if not selectors.can_report_at(actor, school):
        raise PermissionDenied("只能为本人任职的学校登记事件。")
    _clean_choice(source, Source, field="source", label="线索来源")
    forms = list(dict.fromkeys(forms))
    if not forms:
        raise ApplicationError("请至少选择一种欺凌形式。", field="forms")
    for form in forms:
        _clean_choice(form, Form, field="forms", label="欺凌形式")
    if not (location or "").strip():
        raise ApplicationError("请填写发生地点。", field="location")
    if not (summary or "").strip():
        raise ApplicationError("请填写事件经过。", field="summary")
    if timezone.is_naive(occurred_at):
        occurred_at = timezone.make_aware(occurred_at)
    if occurred_at > timezone.now():
        raise ApplicationError("发生时间不能晚于现在。", field="occurred_at")
    on = effective_date(on, after=local_date(occurred_at), after_label="发生日期")
    parties = list(parties)
    cleaned_parties = []
    for i, party in enumerate(parties, start=1):
        name = (party.get("name") or "").strip()
        if not name:
            raise ApplicationError(f"第 {i} 位当事人缺少姓名。", field="parties")
        role = _clean_choice(party.get("role", ""), PartyRole, field="parties", label="当事人身份")
        cleaned_parties.append(
            {
                "role": role,
                "name": name[:50],
                "student_no": (party.get("student_no") or "").strip()[:32],
                "grade": (party.get("grade") or "").strip()[:20],
                "class_name": (party.get("class_name") or "").strip()[:20],
                "is_external": bool(party.get("is_external")),
            }
        )
    if not any(p["role"] == PartyRole.VICTIM for p in cleaned_parties):
        raise ApplicationError("请至少登记一名受欺凌学生。", field="parties")

    # Serialise numbering per school: lock the school row, then take the next number.
    OrgUnit.objects.select_for_update().filter(pk=school.pk).first()
    year = on.year
    last = (
        Case.objects.filter(school=school, year=year).order_by("-sequence").values_list("sequence", flat=True).first()
    )
    sequence = (last or 0) + 1
    case = Case.objects.create(
        school=school,
        number=f"{school.code}-{year}-{sequence:04d}",
        year=year,
        sequence=sequence,
        occurred_at=occurred_at,
        location=location.strip()[:200],
        source=source,
        forms=forms,
        summary=summary.strip(),
        reported_on=on,
        reported_by=actor,
        last_step_on=on,
    )
    Party.objects.bulk_create([Party(case=case, **p) for p in cleaned_parties])
    timeline_append(
        case,
        actor=actor,
        on=on,
        kind="reported",
        text=f"受理事件线索（来源：{Source(source).label}），登记当事人 {len(cleaned_parties)} 人。",
    )
    return case


# ---------------------------------------------------------------------------
# Investigation and determination


def _investigation_due(case: Case, started_on: date, calendar=None):
    return compute_due(started_on, INVESTIGATION_DAYS, rule_for(case.school), calendar=calendar)


@transaction.atomic
def case_start_investigation(*, actor: User, case: Case, on: date | None = None) -> Case:
    """启动调查处理程序: the 10-day clock starts (政策清单第30项)."""
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "start")
    on = effective_date(on, after=case.last_step_on, after_label="受理日期")
    due = _investigation_due(case, on)
    advance(
        case,
        to=Status.INVESTIGATING,
        on=on,
        fields={
            "investigation_started_on": on,
            "investigation_due": due.due,
            "investigation_due_steps": list(due.steps),
        },
    )
    timeline_append(
        case,
        actor=actor,
        on=on,
        kind="investigation_started",
        text=f"启动调查处理程序，须于 {due.due:%Y-%m-%d} 前完成调查处理。",
        due=due.due.isoformat(),
    )
    return case


@transaction.atomic
def case_determine(
    *,
    actor: User,
    case: Case,
    is_bullying: bool,
    severity: str = "",
    reasoning: str,
    meeting_on: date | None = None,
    members_present: Iterable[User] = (),
    members_present_note: str = "",
    on: date | None = None,
) -> Determination:
    """The committee's finding (认定). Horseplay (打闹嬉戏) is recorded as not bullying."""
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "determine")
    on = effective_date(on, after=case.last_step_on, after_label="启动调查日期")
    meeting_on = meeting_on or on
    started = case.investigation_started_on
    if meeting_on > on or (started is not None and meeting_on < started):
        raise ApplicationError("会议日期应在启动调查之后、认定日期当天或之前。", field="meeting_on")
    if not isinstance(is_bullying, bool):
        raise ApplicationError("请明确是否构成欺凌。", field="is_bullying")
    if is_bullying:
        _clean_choice(severity or "", Severity, field="severity", label="严重程度")
    else:
        severity = ""
    if not (reasoning or "").strip():
        raise ApplicationError("请填写认定理由。", field="reasoning")
    members = list(members_present)
    outsiders = [m for m in members if not selectors.can_handle(m, case)]
    if outsiders:
        raise ApplicationError("出席委员须为本校学生欺凌治理委员会成员。", field="members_present")
    chair_signs = selectors.is_chair(actor, case)
    determination = Determination.objects.create(
        case=case,
        meeting_on=meeting_on,
        members_present_note=members_present_note.strip()[:300],
        is_bullying=is_bullying,
        severity=severity,
        reasoning=reasoning.strip(),
        decided_on=on,
        recorded_by=actor,
        signed_off_by=actor if chair_signs else None,
        signed_off_at=timezone.now() if chair_signs else None,
    )
    if members:
        determination.members_present.set(members)
    advance(
        case,
        to=Status.DETERMINED,
        on=on,
        fields={"determined_on": on, "is_bullying": is_bullying, "severity": severity},
    )
    verdict = f"认定构成欺凌（{Severity(severity).label}）" if is_bullying else "认定不构成欺凌"
    late = "（超过调查处理期限）" if case.determined_late else ""
    timeline_append(case, actor=actor, on=on, kind="determined", text=f"委员会作出认定：{verdict}{late}。")
    if chair_signs:
        timeline_append(case, actor=actor, on=on, kind="signed_off", text="委员会主任签发认定结论。")
    return determination


def current_determination(case: Case) -> Determination | None:
    return case.determinations.order_by("-decided_on", "-id").first()


@transaction.atomic
def case_sign_off(*, actor: User, case: Case, on: date | None = None) -> Determination:
    """The chair signs off the committee's determination."""
    case = case_for_update(case)
    if not selectors.is_chair(actor, case):
        raise PermissionDenied("只有委员会主任可以签发认定结论。")
    CASE_TRANSITIONS.check(case, "sign_off")
    determination = current_determination(case)
    if determination is None:
        raise ApplicationError("尚未作出认定，无需签发。")
    if determination.signed_off_by_id:
        raise ApplicationError("认定结论已签发。")
    on = effective_date(on, after=determination.decided_on, after_label="认定日期")
    determination.signed_off_by = actor
    determination.signed_off_at = timezone.now()
    determination.save(update_fields=["signed_off_by", "signed_off_at"])
    timeline_append(case, actor=actor, on=on, kind="signed_off", text="委员会主任签发认定结论。")
    return determination


def _require_signed_off(case: Case) -> Determination:
    determination = current_determination(case)
    if determination is None or not determination.signed_off_by_id:
        raise ApplicationError("认定结论尚未经委员会主任签发。")
    return determination


# ---------------------------------------------------------------------------
# Measures, parents, follow-up, closing


@transaction.atomic
def case_add_measure(
    *,
    actor: User,
    case: Case,
    kind: str,
    responsible: str,
    party: Party | None = None,
    description: str = "",
    due_on: date | None = None,
    planned_hours: int | None = None,
    approved_on: date | None = None,
    approval_authority: str = "",
    on: date | None = None,
) -> Measure:
    """Decide a measure (处置). The first measure moves a bullying case to ``handling``."""
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "measure")
    if not case.is_bullying:
        raise ApplicationError("认定不构成欺凌的事件不适用欺凌处置措施，可直接结案。")
    _require_signed_off(case)
    _clean_choice(kind, MeasureKind, field="kind", label="措施")
    on = effective_date(on, after=case.determined_on, after_label="认定日期")
    minimum = MEASURE_MIN_SEVERITY.get(kind)
    if minimum and SEVERITY_ORDER.index(case.severity) < SEVERITY_ORDER.index(minimum):
        raise ApplicationError(
            f"“{MeasureKind(kind).label}”适用于“{Severity(minimum).label}”及以上情形。", field="kind"
        )
    if party is not None and party.case_id != case.pk:
        raise ApplicationError("措施对象不是本案当事人。", field="party")
    if kind in MEASURES_FOR_VICTIMS:
        if party is None or party.role != PartyRole.VICTIM:
            raise ApplicationError("请选择接受该措施的受欺凌学生。", field="party")
    elif kind != MeasureKind.POLICE_REFERRAL and (party is None or party.role != PartyRole.PERPETRATOR):
        raise ApplicationError("请选择接受该措施的实施欺凌学生。", field="party")
    if kind == MeasureKind.EDUCATION_PLAN:
        if not planned_hours or planned_hours <= 0:
            raise ApplicationError("专门教育方案须填写计划学时（正整数）。", field="planned_hours")
    else:
        planned_hours = None
    if kind in MEASURES_NEEDING_APPROVAL:
        if not approved_on or not approval_authority.strip():
            raise ApplicationError("转入专门学校须经批准：请填写批准机关和批准日期。", field="approved_on")
        if approved_on > today_local():
            raise ApplicationError("批准日期不能晚于今天。", field="approved_on")
    if due_on and due_on < on:
        raise ApplicationError("完成期限不能早于决定日期。", field="due_on")
    if not (responsible or "").strip():
        raise ApplicationError("请填写责任人。", field="responsible")
    measure = Measure.objects.create(
        case=case,
        kind=kind,
        party=party,
        description=description.strip(),
        responsible=responsible.strip()[:50],
        decided_on=on,
        due_on=due_on,
        planned_hours=planned_hours,
        approved_on=approved_on if kind in MEASURES_NEEDING_APPROVAL else None,
        approval_authority=approval_authority.strip()[:100],
        recorded_by=actor,
    )
    if case.status == Status.DETERMINED:
        advance(case, to=Status.HANDLING, on=on, fields={"handling_started_on": on})
    hours = f"，计划 {planned_hours} 学时" if planned_hours else ""
    target = f"（对象：{party.get_role_display()}）" if party else ""
    timeline_append(
        case, actor=actor, on=on, kind="measure_added", text=f"决定处置措施：{MeasureKind(kind).label}{target}{hours}。"
    )
    return measure


@transaction.atomic
def measure_record_progress(
    *, actor: User, measure: Measure, completed_hours: int | None = None, completed_on: date | None = None
) -> Measure:
    """Record hours done on an education plan, or that a measure is complete."""
    case = case_for_update(measure.case)
    _require_handler(actor, case)
    _require_open(case)
    measure = Measure.objects.select_for_update().get(pk=measure.pk)
    if measure.completed_on:
        raise ApplicationError("该措施已完成。")
    entry = []
    if completed_hours is not None:
        if measure.kind != MeasureKind.EDUCATION_PLAN:
            raise ApplicationError("只有专门教育方案记录学时。", field="completed_hours")
        if completed_hours < measure.completed_hours:
            raise ApplicationError("已完成学时不能减少。", field="completed_hours")
        if completed_hours > (measure.planned_hours or 0):
            raise ApplicationError(f"已完成学时不能超过计划学时（{measure.planned_hours}）。", field="completed_hours")
        measure.completed_hours = completed_hours
        entry.append(f"专门教育已完成 {completed_hours}/{measure.planned_hours} 学时")
    if completed_on is not None:
        completed_on = effective_date(completed_on, after=measure.decided_on, after_label="措施决定日期")
        if measure.kind == MeasureKind.EDUCATION_PLAN and measure.completed_hours < (measure.planned_hours or 0):
            raise ApplicationError("专门教育方案学时未完成，不能标记完成。", field="completed_on")
        measure.completed_on = completed_on
        entry.append(f"措施“{measure.get_kind_display()}”已完成")
    if not entry:
        raise ApplicationError("请填写已完成学时或完成日期。")
    measure.save(update_fields=["completed_hours", "completed_on"])
    timeline_append(
        case, actor=actor, on=completed_on or today_local(), kind="measure_progress", text="；".join(entry) + "。"
    )
    return measure


@transaction.atomic
def case_notify_parents(
    *,
    actor: User,
    case: Case,
    direction: str,
    method: str,
    guardian: str,
    party: Party | None = None,
    content: str = "",
    on: date | None = None,
) -> ParentNotice:
    """Record a notification between school and parents (政策清单第31项)."""
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "notice")
    _clean_choice(direction, NoticeDirection, field="direction", label="告知方向")
    _clean_choice(method, NoticeMethod, field="method", label="告知方式")
    if not (guardian or "").strip():
        raise ApplicationError("请填写监护人及与学生关系。", field="guardian")
    if party is not None and party.case_id != case.pk:
        raise ApplicationError("所选学生不是本案当事人。", field="party")
    on = effective_date(on, after=case.reported_on, after_label="受理日期")
    notice = ParentNotice.objects.create(
        case=case,
        party=party,
        direction=direction,
        method=method,
        guardian=guardian.strip()[:50],
        content=content.strip(),
        on=on,
        recorded_by=actor,
    )
    who = f"（{party.get_role_display()}家长）" if party else ""
    timeline_append(
        case,
        actor=actor,
        on=on,
        kind="parents_notified",
        text=f"{NoticeDirection(direction).label}{who}，方式：{NoticeMethod(method).label}。",
    )
    return notice


@transaction.atomic
def case_start_follow_up(*, actor: User, case: Case, on: date | None = None) -> Case:
    """Handling done; the school keeps observing both sides (政策清单第41–42项).

    Every student found to have bullied must have a specialised education plan
    (政策清单第34项), and a suspected offence must have been referred to the police.
    """
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "start_follow_up")
    on = effective_date(on, after=case.last_step_on, after_label="开始处置日期")
    perpetrators = list(case.parties.filter(role=PartyRole.PERPETRATOR))
    planned = set(case.measures.filter(kind=MeasureKind.EDUCATION_PLAN).values_list("party_id", flat=True))
    missing = [p for p in perpetrators if p.pk not in planned]
    if missing:
        raise ApplicationError(f"还有 {len(missing)} 名实施欺凌学生没有专门教育方案（政策清单第34项），请先添加。")
    if case.severity == Severity.CRIMINAL and not case.measures.filter(kind=MeasureKind.POLICE_REFERRAL).exists():
        raise ApplicationError("涉嫌违法犯罪的事件须先记录移送公安机关。")
    advance(case, to=Status.FOLLOW_UP, on=on, fields={"follow_up_started_on": on})
    timeline_append(case, actor=actor, on=on, kind="follow_up_started", text="处置措施已落实，转入跟踪观察和辅导。")
    return case


@transaction.atomic
def case_add_follow_up(
    *, actor: User, case: Case, note: str, party: Party | None = None, on: date | None = None
) -> FollowUp:
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "follow_up")
    if not (note or "").strip():
        raise ApplicationError("请填写观察与辅导情况。", field="note")
    if party is not None and party.case_id != case.pk:
        raise ApplicationError("所选学生不是本案当事人。", field="party")
    on = effective_date(on, after=case.handling_started_on or case.determined_on, after_label="开始处置日期")
    follow_up = FollowUp.objects.create(case=case, party=party, on=on, note=note.strip(), recorded_by=actor)
    timeline_append(case, actor=actor, on=on, kind="follow_up", text="记录跟踪观察和辅导情况。")
    return follow_up


@transaction.atomic
def case_close(*, actor: User, case: Case, summary: str = "", on: date | None = None) -> Case:
    """Close and archive. A case found not to be bullying closes from ``determined``;
    a bullying case closes after follow-up with at least one observation recorded."""
    case = case_for_update(case)
    _require_handler(actor, case)
    CASE_TRANSITIONS.check(case, "close")
    _require_signed_off(case)
    if case.status == Status.DETERMINED and case.is_bullying:
        raise ApplicationError("认定构成欺凌的事件须先落实处置措施并跟踪观察，才能结案。")
    if case.status == Status.FOLLOW_UP and not case.follow_ups.exists():
        raise ApplicationError("请先记录至少一次跟踪观察情况。")
    on = effective_date(on, after=case.last_step_on, after_label="上一步骤")
    advance(case, to=Status.CLOSED, on=on, fields={"closed_on": on, "closing_summary": (summary or "").strip()})
    timeline_append(case, actor=actor, on=on, kind="closed", text="结案并归档（专门档案）。")
    return case


# ---------------------------------------------------------------------------
# Attachments


@transaction.atomic
def attachment_add(*, actor: User, case: Case, uploaded_file, description: str = "") -> Attachment:
    """Store evidence privately under a random name (photos, scans, PDF, Word)."""
    case = case_for_update(case)
    if not (selectors.can_handle(actor, case) or selectors.can_report_at(actor, case.school)):
        raise PermissionDenied("只有本校人员可以上传附件。")
    _require_open(case)
    content_type = check_upload(uploaded_file, what="附件")
    attachment = Attachment(
        case=case,
        original_name=clean_name(uploaded_file.name, "附件"),
        content_type=content_type,
        size=uploaded_file.size,
        description=description.strip()[:200],
        uploaded_by=actor,
    )
    attachment.file.save("upload", uploaded_file, save=False)
    attachment.save()
    timeline_append(case, actor=actor, on=today_local(), kind="attachment", text="上传附件一份。")
    return attachment


# ---------------------------------------------------------------------------
# Reads that must be recorded, and recomputation when the holiday calendar changes


def case_record_read(*, actor: User, case: Case, via: str) -> None:
    """Every read of a case's detail is audited (children's sensitive data, PIPL); a read
    under a purpose-bound grant names the grant."""
    detail: dict[str, object] = {"via": via}
    grant = selectors.active_unmask_grant(actor, case)
    if grant is not None:
        detail["unmask_grant"] = grant.pk
    audit_record(action="case.read", actor=actor, obj=case, detail=detail)


# ---------------------------------------------------------------------------
# Purpose-bound unmasking for city and province officials


@transaction.atomic
def unmask_request(*, actor: User, case: Case, purpose: str) -> UnmaskGrant:
    """Ask to see the children's names of one case, stating why (a second official decides)."""
    if not selectors.can_request_unmask(actor, case):
        raise PermissionDenied("只有市级、省级教育部门工作人员可以申请查看本辖区事件的学生姓名。")
    purpose = (purpose or "").strip()
    if len(purpose) < 10:
        raise ApplicationError("请具体说明查看学生姓名的目的（至少 10 个字）。", field="purpose")
    if UnmaskGrant.objects.filter(case=case, requester=actor, status=UnmaskStatus.PENDING).exists():
        raise ApplicationError("您对本案已有待审批的申请。")
    grant = UnmaskGrant.objects.create(case=case, requester=actor, purpose=purpose[:1000])
    audit_record(action="unmask.requested", actor=actor, obj=case, detail={"grant": grant.pk})
    approvers = (
        User.objects.filter(
            memberships__role__in=selectors.UNMASK_ROLES,
            memberships__org_unit_id__in=case.school.ancestor_ids(),
            is_active=True,
        )
        .exclude(pk=actor.pk)
        .distinct()
    )
    for approver in approvers:
        notify(
            recipient=approver,
            kind="unmask.requested",
            title=f"有一份查看欺凌事件 {case.number} 学生姓名的申请待您审批。",
            link="/cases/unmask-requests/",
            dedupe_key=f"unmask:{grant.pk}:{approver.pk}",
        )
    return grant


@transaction.atomic
def unmask_decide(*, actor: User, grant: UnmaskGrant, approve: bool, note: str = "") -> UnmaskGrant:
    """A second official approves (for ``UNMASK_HOURS``) or refuses a request."""
    grant = UnmaskGrant.objects.select_for_update().select_related("case").get(pk=grant.pk)
    if grant.requester_id == actor.pk:
        raise PermissionDenied("不能审批本人的申请。")
    if not selectors.unmask_requests_to_decide(actor).filter(pk=grant.pk).exists():
        if grant.status != UnmaskStatus.PENDING:
            raise ApplicationError("该申请已处理。")
        raise PermissionDenied("只有本辖区的另一名市级、省级工作人员可以审批。")
    now = timezone.now()
    grant.status = UnmaskStatus.APPROVED if approve else UnmaskStatus.REJECTED
    grant.decided_by, grant.decided_at = actor, now
    grant.decision_note = (note or "").strip()[:200]
    grant.expires_at = now + timedelta(hours=settings.UNMASK_HOURS) if approve else None
    grant.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "expires_at"])
    audit_record(
        action="unmask.approved" if approve else "unmask.rejected",
        actor=actor,
        obj=grant.case,
        detail={"grant": grant.pk, "requester": grant.requester_id},
    )
    notify(
        recipient=grant.requester,
        kind="unmask.decided",
        title=f"您查看欺凌事件 {grant.case.number} 学生姓名的申请{'已批准' if approve else '未获批准'}。",
        link=f"/cases/{grant.case_id}/",
        dedupe_key=f"unmask:{grant.pk}:decided",
    )
    return grant


@transaction.atomic
def case_recompute_due_dates(*, actor: User | None, reason: str, calendar=None) -> int:
    """Recompute the investigation due date of every open investigation; record changes."""
    today = today_local()

    def record(case: Case, old: date, due) -> None:
        timeline_append(
            case,
            actor=actor,
            on=today,
            kind="due_recomputed",
            text=f"节假日安排调整（{reason[:100]}），调查处理期限由 {old:%Y-%m-%d} 改为 {due.due:%Y-%m-%d}。",
        )

    return recompute_due_dates(
        Case.objects.select_for_update().select_related("school").filter(status=Status.INVESTIGATING),
        start_field="investigation_started_on",
        due_field="investigation_due",
        steps_field="investigation_due_steps",
        days=INVESTIGATION_DAYS,
        unit_of=lambda case: case.school,
        on_change=record,
        calendar=calendar,
    )


register_deadline_source(case_recompute_due_dates)
register_timeline(Case, case_timeline_append)
