"""Writes on appeals (申诉) and reviews (复查), 政策清单第45–46项.

The county anti-bullying office records an appeal against a school committee's
determination (a school committee may forward one it received), then decides:

- ``appeal_uphold``: the school's procedure was proper and the facts clear, its
  decision stands (以学校学生欺凌治理委员会的处理结果为准) → ``upheld``;
- ``appeal_accept_review``: a review is needed → ``reviewing``; the review must be
  finished within 15 days, counted as the Civil Code counts periods;
- ``appeal_refer_legal``: the matter is in litigation or otherwise for the courts; the
  appellant is told so and pointed to the legal route → ``not_accepted``.

A review panel (school rep, parent rep, outside experts) gets read access to that one
appeal and its case through django-guardian grants; nobody who took part in the school's
determination may sit on it. The decision may overturn the school's finding: the case
then goes back to the school (``determined``) with the review's finding. After the review
the county files it with the office above (备案) and the panel's grants end.

Each service is keyword-only, checks who acts and the current state, locks the appeal
row, takes the step's real date (``on``) and writes the case timeline in the same
transaction. Timeline text never carries a child's or the appellant's name.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from accounts.models import OrgUnit, Role, User
from bullying.audit.models import ACTION_LABELS
from bullying.deadlines.calendar import DueDate, compute_due, recompute_due_dates, rule_for
from bullying.errors import ApplicationError
from bullying.timeutil import today_local
from bullying.uploads import check_upload, clean_name
from bullying.workflow import advance, effective_date, lock, timeline_append
from cases.appeals import selectors as appeal_selectors
from cases.appeals.models import (
    APPEAL_TRANSITIONS,
    REVIEW_DAYS,
    Appeal,
    AppealAttachment,
    AppealStatus,
    LegalRoute,
    PanelKind,
    PanelMember,
)
from cases.models import Case, Determination, Severity, Status
from cases.services import case_for_update, current_determination

APPEAL_STATUS_LABELS = dict(AppealStatus.choices)
ACTION_LABELS.setdefault("appeal.read", "查阅申诉")
SETTLED_STATUSES = (AppealStatus.UPHELD, AppealStatus.DECIDED, AppealStatus.FILED)
VIEW_PERM = "view_appeal"

# The standard wording when the office gives no reasons of its own (政策清单第45–46项).
DEFAULT_UPHOLD_REASONS = (
    "经审查，学校学生欺凌治理委员会处理程序妥当、事件比较清晰，以学校学生欺凌治理委员会的处理结果为准。"
)
DEFAULT_REVIEW_REASONS = "经审查，申诉涉及的事实或认定确需复查，决定受理并启动复查程序。"
DEFAULT_LEGAL_REASONS = "该事项涉法涉诉，不宜由防治学生欺凌工作部门受理。"


# ---------------------------------------------------------------------------
# Helpers


def _lock_appeal(appeal: Appeal) -> Appeal:
    return lock(
        Appeal.objects.select_related("case", "case__school", "county", "county__parent", "determination"),
        appeal.pk,
        of=("self",),
    )


def _require_manager(actor: User, appeal: Appeal) -> None:
    if not appeal_selectors.can_manage(actor, appeal):
        raise PermissionDenied("只有办理该申诉的县级防治学生欺凌工作部门可以办理此事项。")


def _text(value: str | None, *, field: str, label: str, max_length: int | None = None, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(f"请填写{label}。", field=field)
    if max_length and len(value) > max_length:
        raise ApplicationError(f"{label}不能超过 {max_length} 个字。", field=field)
    return value


def _review_due(appeal: Appeal, started_on: date, calendar=None) -> DueDate:
    return compute_due(started_on, REVIEW_DAYS, rule_for(appeal.case.school), calendar=calendar)


def _notify(users: Iterable[User], *, appeal: Appeal, kind: str, title: str) -> None:
    """In-app notices carry the appeal number and a link only, never a name."""
    from bullying.deadlines.notifications import notify

    for user in users:
        notify(
            recipient=user,
            kind=f"appeal:{kind}",
            title=title,
            link=f"/cases/appeals/{appeal.pk}/",
            dedupe_key=f"appeal:{appeal.pk}:{kind}:{user.pk}",
        )


def _county_officers(county: OrgUnit) -> list[User]:
    return list(
        User.objects.filter(
            is_active=True, memberships__org_unit=county, memberships__role=Role.COUNTY_OFFICER
        ).distinct()
    )


def _verdict(is_bullying: bool, severity: str) -> str:
    return f"构成欺凌（{Severity(severity).label}）" if is_bullying else "不构成欺凌"


# ---------------------------------------------------------------------------
# Lodging


@transaction.atomic
def appeal_lodge(
    *,
    actor: User,
    case: Case,
    appellant_name: str,
    appellant_relation: str,
    grounds: str,
    received_on: date | None = None,
    attachments: Iterable = (),
) -> Appeal:
    """Record an appeal against the school's determination of ``case`` (申诉).

    The county office over the school records it; the school's committee may forward
    one it received, which then reaches the county the same way. One open appeal per
    case at a time; only a case the committee has determined can be appealed.
    """
    if not appeal_selectors.can_lodge(actor, case):
        raise PermissionDenied("只有主管县（区）防治学生欺凌工作部门或本校学生欺凌治理委员会可以登记申诉。")
    case = case_for_update(case)
    determination = current_determination(case)
    if determination is None or case.status in (Status.REPORTED, Status.INVESTIGATING):
        raise ApplicationError("该事件尚未作出认定，不能申诉。", field="case")
    if Appeal.objects.filter(review_determination=determination).exists():
        raise ApplicationError(
            "当前认定是县级复查决定，不能再向县级防治学生欺凌工作部门申诉，可通过相应法律途径解决。", field="case"
        )
    if Appeal.objects.filter(case=case, status__in=[AppealStatus.RECEIVED, AppealStatus.REVIEWING]).exists():
        raise ApplicationError("本案已有正在办理的申诉，办结后才能登记新的申诉。", field="case")
    # A determination the county has already examined (upheld, or reviewed and decided)
    # is not appealed again; one it did not accept (for the courts) may come back.
    if Appeal.objects.filter(determination=determination, status__in=SETTLED_STATUSES).exists():
        raise ApplicationError(
            "该认定已经县级防治学生欺凌工作部门审查并作出决定，不能重复申诉，可通过相应法律途径解决。", field="case"
        )
    appellant_name = _text(appellant_name, field="appellant_name", label="申诉人姓名", max_length=50)
    appellant_relation = _text(
        appellant_relation, field="appellant_relation", label="申诉人与学生的关系", max_length=50
    )
    grounds = _text(grounds, field="grounds", label="申诉理由")
    received_on = effective_date(received_on, after=determination.decided_on, after_label="学校认定日期")
    files = list(attachments or [])
    checked = [_check_upload(f) for f in files]

    county = case.school.parent
    if county is None:  # pragma: no cover - a school always sits under a county
        raise ApplicationError("该学校没有上级县（区），无法登记申诉。")
    forwarded_by = None
    if not appeal_selectors.can_manage_county(actor, county):
        forwarded_by = case.school
    # Serialise numbering per county: lock the county row, then take the next number.
    OrgUnit.objects.select_for_update().filter(pk=county.pk).first()
    year = received_on.year
    last = (
        Appeal.objects.filter(county=county, year=year).order_by("-sequence").values_list("sequence", flat=True).first()
    )
    sequence = (last or 0) + 1
    try:
        with transaction.atomic():
            appeal = Appeal.objects.create(
                case=case,
                county=county,
                determination=determination,
                number=f"SS{county.code}-{year}-{sequence:03d}",
                year=year,
                sequence=sequence,
                appellant_name=appellant_name,
                appellant_relation=appellant_relation,
                grounds=grounds,
                received_on=received_on,
                lodged_by=actor,
                forwarded_by=forwarded_by,
                last_step_on=received_on,
            )
    except IntegrityError:
        # A concurrent request lodged one first (appeal_one_open_per_case).
        raise ApplicationError("本案已有正在办理的申诉，办结后才能登记新的申诉。", field="case")
    for upload, content_type in checked:
        _store_attachment(appeal, upload, content_type, actor)
    if forwarded_by is not None:
        text = f"学校收到申诉并转交{county.name}防治学生欺凌工作部门办理（申诉编号 {appeal.number}）。"
    else:
        text = f"{county.name}防治学生欺凌工作部门收到对学校认定的申诉（申诉编号 {appeal.number}）。"
    if checked:
        text = text[:-1] + f"，附申诉材料 {len(checked)} 份。"
    timeline_append(case, actor=actor, on=received_on, kind="appeal_received", text=text, appeal=appeal.pk)
    if forwarded_by is not None:
        _notify(
            _county_officers(county),
            appeal=appeal,
            kind="forwarded",
            title=f"{case.school.name}转交申诉 {appeal.number}，请审查并作出受理决定。",
        )
    return appeal


def _check_upload(upload) -> tuple:
    return upload, check_upload(upload, field="attachments", what="申诉材料")


def _store_attachment(appeal: Appeal, upload, content_type: str, actor: User) -> AppealAttachment:
    attachment = AppealAttachment(
        appeal=appeal,
        original_name=clean_name(upload.name, "申诉材料"),
        content_type=content_type,
        size=upload.size,
        uploaded_by=actor,
    )
    attachment.file.save("upload", upload, save=False)
    attachment.save()
    return attachment


# ---------------------------------------------------------------------------
# The acceptance decision


@transaction.atomic
def appeal_uphold(*, actor: User, appeal: Appeal, reasons: str = "", on: date | None = None) -> Appeal:
    """The school's procedure was proper and the facts clear: its decision stands, no review."""
    appeal = _lock_appeal(appeal)
    _require_manager(actor, appeal)
    APPEAL_TRANSITIONS.check(appeal, "uphold")
    reasons = _text(reasons, field="reasons", label="理由", required=False) or DEFAULT_UPHOLD_REASONS
    on = effective_date(on, after=appeal.last_step_on, after_label="收到申诉日期")
    advance(
        appeal,
        to=AppealStatus.UPHELD,
        on=on,
        fields={"accepted_on": on, "acceptance_reasons": reasons, "acceptance_by": actor},
    )
    timeline_append(
        appeal.case,
        actor=actor,
        on=on,
        kind="appeal_upheld",
        text=f"县级防治学生欺凌工作部门审查申诉（{appeal.number}）：学校处理程序妥当、事件比较清晰，"
        "维持学校认定，不启动复查。",
        appeal=appeal.pk,
    )
    return appeal


@transaction.atomic
def appeal_accept_review(*, actor: User, appeal: Appeal, reasons: str = "", on: date | None = None) -> Appeal:
    """Accept the appeal and start the review: 15 days from the acceptance date."""
    appeal = _lock_appeal(appeal)
    _require_manager(actor, appeal)
    APPEAL_TRANSITIONS.check(appeal, "accept_review")
    reasons = _text(reasons, field="reasons", label="理由", required=False) or DEFAULT_REVIEW_REASONS
    on = effective_date(on, after=appeal.last_step_on, after_label="收到申诉日期")
    due = _review_due(appeal, on)
    advance(
        appeal,
        to=AppealStatus.REVIEWING,
        on=on,
        fields={
            "accepted_on": on,
            "acceptance_reasons": reasons,
            "acceptance_by": actor,
            "review_due": due.due,
            "review_due_steps": list(due.steps),
        },
    )
    timeline_append(
        appeal.case,
        actor=actor,
        on=on,
        kind="appeal_review_started",
        text=f"县级防治学生欺凌工作部门受理申诉（{appeal.number}）并启动复查，"
        f"须于 {due.due:%Y-%m-%d} 前完成复查（政策清单第45项：15日内）。",
        appeal=appeal.pk,
        due=due.due.isoformat(),
    )
    return appeal


@transaction.atomic
def appeal_refer_legal(
    *,
    actor: User,
    appeal: Appeal,
    reasons: str = "",
    legal_route: str = "",
    legal_route_note: str = "",
    on: date | None = None,
) -> Appeal:
    """Not accepted: the matter is in litigation or otherwise for the courts. Records which
    legal route the appellant was told to take (政策清单第46项)."""
    appeal = _lock_appeal(appeal)
    _require_manager(actor, appeal)
    APPEAL_TRANSITIONS.check(appeal, "refer_legal")
    legal_route = legal_route or LegalRoute.LEGAL_PROCEEDINGS
    if legal_route not in LegalRoute.values:
        raise ApplicationError(f"法律途径“{legal_route}”无效。", field="legal_route")
    legal_route_note = _text(
        legal_route_note, field="legal_route_note", label="法律途径说明", max_length=300, required=False
    )
    reasons = _text(reasons, field="reasons", label="理由", required=False) or DEFAULT_LEGAL_REASONS
    on = effective_date(on, after=appeal.last_step_on, after_label="收到申诉日期")
    advance(
        appeal,
        to=AppealStatus.NOT_ACCEPTED,
        on=on,
        fields={
            "accepted_on": on,
            "acceptance_reasons": reasons,
            "acceptance_by": actor,
            "legal_route": legal_route,
            "legal_route_note": legal_route_note,
        },
    )
    timeline_append(
        appeal.case,
        actor=actor,
        on=on,
        kind="appeal_not_accepted",
        text=f"申诉（{appeal.number}）涉法涉诉，不予受理；已告知申诉人，引导其"
        f"{LegalRoute(legal_route).label}（政策清单第46项）。",
        appeal=appeal.pk,
    )
    return appeal


# ---------------------------------------------------------------------------
# The review panel


@transaction.atomic
def appeal_form_panel(
    *, actor: User, appeal: Appeal, members: Iterable[tuple[User, str]], on: date | None = None
) -> list[PanelMember]:
    """Form (or re-form) the review panel (复查调查小组): at least one school rep, one
    parent rep and one outside expert, all from the county's own subtree, none of whom
    took part in the school's determination. Each member gets read access to this appeal
    and its case; members dropped from a re-formed panel lose it."""
    appeal = _lock_appeal(appeal)
    _require_manager(actor, appeal)
    APPEAL_TRANSITIONS.check(appeal, "panel")
    on = effective_date(on, after=appeal.accepted_on, after_label="受理复查日期")
    members = [(user, kind) for user, kind in members]
    if not members:
        raise ApplicationError("请选择复查调查小组成员。", field="members")
    seen: set[int] = set()
    for user, kind in members:
        if kind not in PanelKind.values:
            raise ApplicationError(
                f"小组成员身份“{kind}”无效（应为 school_rep、parent_rep 或 expert）。", field="members"
            )
        if user.pk in seen:
            raise ApplicationError(f"{user.display_name} 重复列入小组。", field="members")
        seen.add(user.pk)
    kinds = {kind for _user, kind in members}
    missing = [str(label) for value, label in PanelKind.choices if value not in kinds]
    if missing:
        raise ApplicationError(
            f"复查调查小组须由学校代表、家长代表和校外专家等组成，还缺少：{'、'.join(missing)}（政策清单第45项）。",
            field="members",
        )
    allowed = set(appeal_selectors.panel_candidates(appeal).filter(pk__in=seen).values_list("pk", flat=True))
    outsiders = [user.display_name for user, _kind in members if user.pk not in allowed]
    if outsiders:
        raise ApplicationError(
            f"{'、'.join(outsiders)} 不是{appeal.county.name}范围内的人员，不能担任复查调查小组成员。", field="members"
        )
    participants = appeal_selectors.determination_participant_ids(appeal)
    conflicted = [user.display_name for user, _kind in members if user.pk in participants]
    if conflicted:
        raise ApplicationError(
            f"{'、'.join(conflicted)} 参与了学校的认定，应当回避，不能担任复查调查小组成员。", field="members"
        )

    current = {m.user_id: m for m in PanelMember.objects.filter(appeal=appeal).select_related("user")}
    wanted = {user.pk: (user, kind) for user, kind in members}
    for user_id, dropped in current.items():
        if user_id not in wanted:
            remove_perm(VIEW_PERM, dropped.user, appeal)
            dropped.delete()
    result = []
    for user_id, (user, kind) in wanted.items():
        member = current.get(user_id)
        if member is None:
            member = PanelMember.objects.create(
                appeal=appeal, user=user, kind=kind, appointed_on=on, appointed_by=actor
            )
            assign_perm(VIEW_PERM, user, appeal)
            _notify(
                [user],
                appeal=appeal,
                kind="panel",
                title=f"您已被选为申诉 {appeal.number} 的复查调查小组成员（{PanelKind(kind).label}），"
                f"复查须于 {appeal.review_due:%Y-%m-%d} 前完成。",
            )
        elif member.kind != kind:
            member.kind = kind
            member.save(update_fields=["kind"])
        appeal_selectors.forget_grants(user)
        result.append(member)
    first = not current
    advance(appeal, on=on, fields={"panel_formed_on": on})
    counts = "、".join(f"{label} {sum(1 for _u, k in members if k == value)} 人" for value, label in PanelKind.choices)
    timeline_append(
        appeal.case,
        actor=actor,
        on=on,
        kind="appeal_panel_formed" if first else "appeal_panel_changed",
        text=f"{'组成' if first else '调整'}复查调查小组（{counts}），小组成员可查阅本申诉及事件材料。",
        appeal=appeal.pk,
    )
    return result


# ---------------------------------------------------------------------------
# The review decision


@transaction.atomic
def appeal_decide(
    *,
    actor: User,
    appeal: Appeal,
    is_bullying: bool,
    severity: str = "",
    opinion: str,
    agreed_by: Iterable[User] | None = None,
    agreement_note: str = "",
    on: date | None = None,
) -> Appeal:
    """The review's finding (复查决定): whether it is bullying, how serious, and a handling
    opinion, agreed by the panel. ``agreed_by`` defaults to every member; a decision
    needs more than half of them, and any dissent is noted.

    A decision after ``review_due`` is allowed and marked late. If it overturns the
    school's finding, the case returns to the school (``determined``, even from
    ``closed``) with the review's finding for new handling.
    """
    appeal = _lock_appeal(appeal)
    _require_manager(actor, appeal)
    APPEAL_TRANSITIONS.check(appeal, "decide")
    members = list(PanelMember.objects.filter(appeal=appeal).select_related("user"))
    if not members:
        raise ApplicationError("请先组成复查调查小组，再作出复查决定。")
    on = effective_date(on, after=appeal.last_step_on, after_label="组成调查小组日期")
    if not isinstance(is_bullying, bool):
        raise ApplicationError("请明确复查认定是否构成欺凌。", field="is_bullying")
    if is_bullying:
        if severity not in Severity.values:
            raise ApplicationError("认定构成欺凌的，请选择严重程度。", field="severity")
    else:
        severity = ""
    opinion = _text(opinion, field="opinion", label="处置意见")
    agreement_note = _text(agreement_note, field="agreement_note", label="小组意见说明", max_length=500, required=False)
    member_ids = {m.user_id for m in members}
    agreed_ids = member_ids if agreed_by is None else {u.pk for u in agreed_by}
    strangers = agreed_ids - member_ids
    if strangers:
        raise ApplicationError("同意复查结论的人员须为复查调查小组成员。", field="agreed_by")
    if len(agreed_ids) * 2 <= len(members):
        raise ApplicationError(
            f"复查结论须经调查小组过半数成员同意（小组 {len(members)} 人，同意 {len(agreed_ids)} 人）。",
            field="agreed_by",
        )
    if agreed_ids != member_ids and not agreement_note:
        raise ApplicationError("有小组成员不同意复查结论，请记录不同意见。", field="agreement_note")

    school = appeal.determination
    overturned = is_bullying != school.is_bullying or (is_bullying and severity != school.severity)
    for member in members:
        member.agreed = member.user_id in agreed_ids
        member.save(update_fields=["agreed"])
    advance(
        appeal,
        to=AppealStatus.DECIDED,
        on=on,
        fields={
            "decided_on": on,
            "decision_is_bullying": is_bullying,
            "decision_severity": severity,
            "decision_opinion": opinion,
            "agreement_note": agreement_note,
            "decided_by": actor,
            "overturned": overturned,
        },
    )
    late = "（超过复查期限）" if appeal.decided_late else ""
    agreed = "小组成员一致同意" if agreed_ids == member_ids else f"小组 {len(members)} 人中 {len(agreed_ids)} 人同意"
    timeline_append(
        appeal.case,
        actor=actor,
        on=on,
        kind="appeal_decided",
        text=f"复查调查小组作出复查决定（{appeal.number}）：{_verdict(is_bullying, severity)}，{agreed}{late}；"
        "已通知学校、家长和学生。",
        appeal=appeal.pk,
        late=appeal.decided_late,
    )
    if overturned:
        _reopen_case(actor=actor, appeal=appeal, on=on)
    else:
        timeline_append(
            appeal.case,
            actor=actor,
            on=on,
            kind="appeal_review_confirmed",
            text="复查维持学校的认定结论。",
            appeal=appeal.pk,
        )
    return appeal


def _reopen_case(*, actor: User, appeal: Appeal, on: date) -> None:
    """复查改变认定：the case goes back to the school with the review's finding."""
    assert appeal.decision_is_bullying is not None  # the review decision set it
    case = case_for_update(appeal.case)
    determination = Determination.objects.create(
        case=case,
        meeting_on=on,
        members_present_note=f"{appeal.county.name}复查调查小组（申诉编号 {appeal.number}）"[:300],
        is_bullying=appeal.decision_is_bullying,
        severity=appeal.decision_severity,
        reasoning=f"依据县级复查决定（申诉编号 {appeal.number}）：{appeal.decision_opinion}",
        decided_on=on,
        recorded_by=actor,
        signed_off_by=actor,
        signed_off_at=timezone.now(),
    )
    appeal.review_determination = determination
    appeal.save(update_fields=["review_determination", "updated_at"])
    previous = case.status
    # ``determined_on`` stays the school's date: it measures the school's 10-day
    # investigation, which the review does not make late.
    advance(
        case,
        to=Status.DETERMINED,
        on=on,
        fields={
            "is_bullying": appeal.decision_is_bullying,
            "severity": appeal.decision_severity,
            "reopened_by_review": True,
            "closed_on": None,
        },
    )
    was = f"（原状态：{Status(previous).label}）" if previous != Status.DETERMINED else ""
    timeline_append(
        case,
        actor=actor,
        on=on,
        kind="reopened_by_review",
        text=f"复查改变认定，退回学校重新处理{was}：复查认定{_verdict(appeal.decision_is_bullying, case.severity)}。",
        appeal=appeal.pk,
    )


# ---------------------------------------------------------------------------
# Filing with the office above


@transaction.atomic
def appeal_file(*, actor: User, appeal: Appeal, note: str = "", on: date | None = None) -> Appeal:
    """After the review, file it with the office above (备案, 政策清单第46项). The review
    panel's access ends."""
    appeal = _lock_appeal(appeal)
    _require_manager(actor, appeal)
    APPEAL_TRANSITIONS.check(appeal, "file")
    note = _text(note, field="note", label="备案说明", max_length=300, required=False)
    on = effective_date(on, after=appeal.last_step_on, after_label="复查决定日期")
    above = appeal.county.parent
    if above is None:  # pragma: no cover - a county always sits under a city
        raise ApplicationError("办理单位没有上级单位，无法备案。")
    advance(
        appeal,
        to=AppealStatus.FILED,
        on=on,
        fields={"filed_on": on, "filed_with": above, "filed_by": actor, "filing_note": note},
    )
    for member in PanelMember.objects.filter(appeal=appeal).select_related("user"):
        remove_perm(VIEW_PERM, member.user, appeal)
        appeal_selectors.forget_grants(member.user)
    timeline_append(
        appeal.case,
        actor=actor,
        on=on,
        kind="appeal_filed",
        text=f"复查工作结束，申诉（{appeal.number}）有关情况报{above.name}备案；复查调查小组查阅权限终止。",
        appeal=appeal.pk,
    )
    return appeal


# ---------------------------------------------------------------------------
# Recomputation when the holiday calendar changes


@transaction.atomic
def appeal_recompute_due_dates(*, actor: User | None, reason: str, calendar=None) -> int:
    """Recompute the review due date of every appeal under review; record each change on
    the case timeline. Registered with ``bullying.deadlines.calendar`` from ``AppealsConfig.ready``."""
    today = today_local()

    def record(appeal: Appeal, old: date, due: DueDate) -> None:
        timeline_append(
            appeal.case,
            actor=actor,
            on=today,
            kind="appeal_due_recomputed",
            text=f"节假日安排调整（{reason[:100]}），申诉（{appeal.number}）复查期限由 "
            f"{old:%Y-%m-%d} 改为 {due.due:%Y-%m-%d}。",
            appeal=appeal.pk,
        )

    return recompute_due_dates(
        Appeal.objects.select_for_update(of=("self",))
        .select_related("case", "case__school")
        .filter(status=AppealStatus.REVIEWING),
        start_field="accepted_on",
        due_field="review_due",
        steps_field="review_due_steps",
        days=REVIEW_DAYS,
        unit_of=lambda appeal: appeal.case.school,
        on_change=record,
        calendar=calendar,
    )
