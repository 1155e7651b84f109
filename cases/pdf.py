"""Printable documents of a case: the case file (专门档案) and the determination notice
to parents (认定结果告知书). HTML from Django templates, laid out by WeasyPrint.

Privacy (政策清单第33项；山西通知三.3): every value that may identify a child goes through
the viewer's presenter (``cases.privacy.privacy_for``): names, student numbers, grade and
class, guardians, and the parties' names inside staff-written text. The notice to parents
may be forwarded, so it is built with a masked presenter, whoever prints it.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from accounts.models import User
from bullying.errors import ApplicationError
from bullying.pdf import cn_date, local_moment, render_pdf
from cases import services
from cases.models import Case, Determination, Measure, MeasureKind, PartyRole, Severity
from cases.privacy import privacy_for, privacy_masked

ROLE_ORDER = {PartyRole.VICTIM: 0, PartyRole.PERPETRATOR: 1, PartyRole.WITNESS: 2}


# ---------------------------------------------------------------------------
# Rendering


def document_context(case: Case, viewer: User) -> dict:
    """What every case document prints in its head and foot."""
    now = local_moment(timezone.now())
    school = case.school
    county = school.parent
    return {
        "case": case,
        "school": school,
        "county_name": county.name if county else "",
        "printed_at": now,
        "printed_on_cn": cn_date(now.date()),
        "printed_by": viewer.display_name,
    }


# ---------------------------------------------------------------------------
# The case file (专门档案)


def case_file_pdf(*, case: Case, viewer: User) -> bytes:
    """The case's special file (学生欺凌事件专门档案) as A4 PDF bytes.

    The caller has already checked that ``viewer`` may read ``case`` (the scoped
    queryset); this function decides only what of it the viewer may see.
    """
    case = Case.objects.select_related("school", "school__parent", "reported_by").get(pk=case.pk)
    privacy = privacy_for(viewer, case)
    parties = sorted(case.parties.all(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.pk))
    by_id = {p.pk: p for p in parties}

    determination = services.current_determination(case)
    members = []
    if determination is not None:
        determination = Determination.objects.select_related("signed_off_by", "recorded_by").get(pk=determination.pk)
        members = [u.display_name for u in determination.members_present.order_by("name", "username")]

    measures = [
        {
            "kind": m.get_kind_display(),
            "description": privacy.field(m, "description"),
            "target": privacy.party_label(by_id.get(m.party_id)),
            "responsible": privacy.field(m, "responsible"),
            "decided_on": m.decided_on,
            "due_on": m.due_on,
            "completed_on": m.completed_on,
            "is_plan": m.kind == MeasureKind.EDUCATION_PLAN,
            "planned_hours": m.planned_hours,
            "completed_hours": m.completed_hours,
            "approval": f"{privacy.field(m, 'approval_authority')} {m.approved_on:%Y-%m-%d}" if m.approved_on else "",
        }
        for m in case.measures.order_by("decided_on", "id")
    ]
    notices = [
        {
            "on": n.on,
            "direction": n.get_direction_display(),
            "method": n.get_method_display(),
            "party": privacy.party_label(by_id.get(n.party_id)),
            # The guardian's own name is family information (政策清单第33项).
            "guardian": privacy.field(n, "guardian"),
            "content": privacy.field(n, "content"),
        }
        for n in case.parent_notices.order_by("on", "id")
    ]
    follow_ups = [
        {"on": f.on, "party": privacy.party_label(by_id.get(f.party_id)), "note": privacy.field(f, "note")}
        for f in case.follow_ups.order_by("on", "id")
    ]
    timeline = [
        {"on": t.on, "text": privacy.field(t, "text"), "actor": t.actor.display_name if t.actor else "系统"}
        for t in case.timeline.select_related("actor").order_by("at", "id")
    ]
    attachments = [
        {
            "uploaded_at": local_moment(a.uploaded_at),
            "name": privacy.file_name(a.original_name, otherwise=f"附件 {i}"),
            "description": privacy.field(a, "description"),
            "size_kb": max(1, round(a.size / 1024)),
        }
        for i, a in enumerate(case.attachments.order_by("uploaded_at", "id"), start=1)
    ]
    context = {
        **document_context(case, viewer),
        "show_names": privacy.show_names,
        "occurred_at": local_moment(case.occurred_at),
        "location": privacy.field(case, "location"),
        "summary": privacy.field(case, "summary"),
        "closing_summary": privacy.field(case, "closing_summary"),
        "parties": [privacy.party_row(p) for p in parties],
        "due_steps": list(case.investigation_due_steps or []),
        "determination": determination,
        "determination_reasoning": privacy.field(determination, "reasoning") if determination else "",
        "members_present": members,
        "members_present_note": privacy.field(determination, "members_present_note") if determination else "",
        "measures": measures,
        "notices": notices,
        "follow_ups": follow_ups,
        "timeline": timeline,
        "attachments": attachments,
    }
    return render_pdf("cases/pdf/case_file.html", context)


# ---------------------------------------------------------------------------
# The determination notice to parents (认定结果告知书)


def _measure_summary(measures: Iterable[Measure]) -> list[tuple[str, list[str]]]:
    """Measure labels grouped by whom they address, each label once, in decision order."""
    groups: dict[str, list[str]] = {}
    for m in measures:
        if m.kind == MeasureKind.POLICE_REFERRAL:
            key = "依法处理"
        elif m.party is not None and m.party.role == PartyRole.VICTIM:
            key = "对受欺凌学生"
        else:
            key = "对实施欺凌学生"
        labels = groups.setdefault(key, [])
        label = str(m.get_kind_display())
        if label not in labels:
            labels.append(label)
    order = ["对实施欺凌学生", "对受欺凌学生", "依法处理"]
    return [(k, groups[k]) for k in order if k in groups]


def determination_notice_pdf(*, case: Case, viewer: User) -> bytes:
    """认定结果告知书 to the parents or guardians, as A4 PDF bytes.

    Raises ``ApplicationError`` when the committee has made no determination yet. An
    unsigned determination is printed with a draft mark: it is not final until the
    chair signs it off.
    """
    case = Case.objects.select_related("school", "school__parent").get(pk=case.pk)
    determination = services.current_determination(case)
    if determination is None:
        raise ApplicationError("尚未作出认定，无法生成告知书。")
    parties = sorted(case.parties.all(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.pk))
    # Always masked, whoever prints it: the notice leaves the school. Witnesses are not
    # named at all (政策清单第33项).
    privacy = privacy_masked(case)
    named = [privacy.party_label(p) for p in parties if p.role in (PartyRole.VICTIM, PartyRole.PERPETRATOR)]
    measures = case.measures.select_related("party").order_by("decided_on", "id")
    context = {
        **document_context(case, viewer),
        "determination": determination,
        "severity_label": Severity(determination.severity).label if determination.severity else "",
        "signed": determination.signed_off_by_id is not None,
        "occurred_on_cn": cn_date(local_moment(case.occurred_at).date()),
        "meeting_on_cn": cn_date(determination.meeting_on),
        "decided_on_cn": cn_date(determination.decided_on),
        "parties": named,
        "measure_groups": _measure_summary(measures),
    }
    return render_pdf("cases/pdf/determination_notice.html", context)
