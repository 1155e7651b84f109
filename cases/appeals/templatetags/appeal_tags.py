"""The appeals section of the case page (申诉与复查)."""

from django import template

from cases.appeals import selectors as appeal_selectors
from cases.appeals.models import OPEN_APPEAL_STATUSES
from cases.appeals.services import SETTLED_STATUSES
from cases.models import Status
from cases.privacy import privacy_for, unwrap

register = template.Library()


@register.inclusion_tag("appeals/_case_section.html", takes_context=True)
def case_appeals(context, case):
    """The case's appeals and their outcome, and the lodge button for the county office
    and the school's committee. Links only to appeals the viewer may open."""
    user = context["request"].user
    case = unwrap(case)
    appeals = list(case.appeals.order_by("received_on", "id"))
    visible = set(appeal_selectors.appeals_visible_to(user).filter(case=case).values_list("pk", flat=True))
    can_lodge = (
        case.status not in (Status.REPORTED, Status.INVESTIGATING)
        and not any(a.status in OPEN_APPEAL_STATUSES for a in appeals)
        and not _settled(case, appeals)
        and appeal_selectors.can_lodge(user, case)
    )
    # The appeal's own record: a purpose-bound grant for the case does not open it.
    privacy = privacy_for(user, case, with_grant=False) if appeals else None
    return {
        "case": case,
        "appeals": [
            {"appeal": a, "visible": a.pk in visible, "relation": privacy.field(a, "appellant_relation")}
            for a in appeals
        ],
        "can_lodge": can_lodge,
        "request": context["request"],
    }


def _settled(case, appeals) -> bool:
    """The current determination came from a review, or the county already upheld or
    reviewed it: no new appeal (the service refuses it too)."""
    if not appeals:
        return False
    current = case.determinations.order_by("-decided_on", "-id").values_list("pk", flat=True).first()
    return any(
        a.review_determination_id == current or (a.determination_id == current and a.status in SETTLED_STATUSES)
        for a in appeals
    )
