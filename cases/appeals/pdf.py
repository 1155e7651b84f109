"""The review decision (学生欺凌事件复查决定书), one PDF with one letter per addressee:
the school, the parents (guardians) and the students (政策清单第45项：通知学校和家长、学生).

Rendered with the case documents' helpers and stylesheet (``cases.pdf``). The letters
leave the county office, so children's names are always masked, witnesses are not named,
the appellant appears by relation only, and the free-text opinion is redacted whoever
prints it.
"""

from __future__ import annotations

from accounts.models import User
from bullying.errors import ApplicationError
from bullying.pdf import cn_date, local_moment, render_pdf
from cases.appeals.models import Appeal
from cases.models import PartyRole, Severity
from cases.pdf import ROLE_ORDER, document_context
from cases.privacy import privacy_masked

ADDRESSEES = [
    ("school", "学校"),
    ("parents", "家长（监护人）"),
    ("students", "学生"),
]


# How a finding reads in a sentence ("属于……").
SEVERITY_PHRASES = {
    Severity.MINOR: "情节轻微的一般欺凌",
    Severity.SERIOUS: "情节比较恶劣的欺凌",
    Severity.SEVERE: "屡教不改或情节恶劣的欺凌",
    Severity.CRIMINAL: "涉嫌违法犯罪的欺凌",
}


def _verdict(is_bullying: bool | None, severity: str) -> str:
    if is_bullying:
        phrase = SEVERITY_PHRASES.get(severity)
        return f"构成学生欺凌，属于{phrase}" if phrase else "构成学生欺凌"
    return "不构成学生欺凌"


def review_decision_pdf(*, appeal: Appeal, viewer: User) -> bytes:
    """The three letters of a decided (or filed) appeal as A4 PDF bytes.

    The caller has checked that ``viewer`` may read the appeal. Raises
    ``ApplicationError`` before the review decision is made.
    """
    appeal = Appeal.objects.select_related(
        "case", "case__school", "case__school__parent", "county", "determination"
    ).get(pk=appeal.pk)
    if appeal.decided_on is None:
        raise ApplicationError("尚未作出复查决定，无法生成复查决定书。")
    case = appeal.case
    parties = sorted(case.parties.all(), key=lambda p: (ROLE_ORDER.get(p.role, 9), p.pk))
    # The letters leave the county office: masked, whoever prints them.
    privacy = privacy_masked(case)
    students = [privacy.party_label(p) for p in parties if p.role in (PartyRole.VICTIM, PartyRole.PERPETRATOR)]
    panel = list(appeal.panel.all())
    school_determination = appeal.determination
    context = {
        **document_context(case, viewer),
        "appeal": appeal,
        "county_name": appeal.county.name,
        "students": students,
        "addressees": ADDRESSEES,
        "received_on_cn": cn_date(appeal.received_on),
        "accepted_on_cn": cn_date(appeal.accepted_on),
        "decided_on_cn": cn_date(appeal.decided_on),
        "school_decided_on_cn": cn_date(school_determination.decided_on),
        "occurred_on_cn": cn_date(local_moment(case.occurred_at).date()),
        "school_verdict": _verdict(school_determination.is_bullying, school_determination.severity),
        "review_verdict": _verdict(appeal.decision_is_bullying, appeal.decision_severity),
        "relation": privacy.field(appeal, "appellant_relation"),
        "opinion": privacy.field(appeal, "decision_opinion"),
        "panel_size": len(panel),
        "unanimous": all(m.agreed for m in panel),
        "agreed_count": sum(1 for m in panel if m.agreed),
    }
    return render_pdf("cases/pdf/review_decision.html", context)
