"""Permission-aware reads for supervision, all built on the one scoping rule.

Who sees what (``accounts.selectors.restrict`` on the inspected or responsible unit):

* inspectors (督导人员) and the education offices see their subtree;
* a school's bullying-governance committee sees its own school's inspections;
* an inspector of city A never sees a unit of city B: it is not in the queryset (404).

Who does what:

* a self-check is made by the unit itself: the committee chair for a school, the
  officer of the bureau for a county, city or province (``acts_for``);
* a supervision is made by an inspector of an office above the target;
* a rectification is verified (复查验收) from above, never by its own unit.
"""

from django.db.models import Q, QuerySet

from accounts.models import COMMITTEE_ROLES, OFFICE_ROLES, Level, OrgUnit, Role, User
from accounts.selectors import holds, memberships_of, restrict, scope_roots, subtree_q, units_in_scope
from inspections.models import (
    AccountabilityMeasure,
    Campaign,
    Inspection,
    InspectionKind,
    InspectionRound,
    InspectionStatus,
    PolicyEdition,
    PolicyItem,
    Rectification,
)

# Memberships that open inspection records of their subtree.
INSPECTION_READER_ROLES = frozenset({Role.INSPECTOR}) | OFFICE_ROLES | COMMITTEE_ROLES
# Memberships that may supervise units below them, verify and hold to account.
OVERSIGHT_ROLES = frozenset({Role.INSPECTOR}) | OFFICE_ROLES
SUPERVISOR_ROLES = frozenset({Role.INSPECTOR})

# Who acts for a unit (self-check, reports, rectification): by the unit's level.
UNIT_ACTOR_ROLES: dict[str, frozenset[str]] = {
    Level.SCHOOL: frozenset({Role.COMMITTEE_CHAIR}),
    Level.COUNTY: frozenset({Role.COUNTY_OFFICER}),
    Level.CITY: frozenset({Role.CITY_OFFICER}),
    Level.PROVINCE: frozenset({Role.PROVINCE_OFFICER}),
}
# Whoever acts for some unit: those a unit's deadlines (rectification, campaign report) remind.
UNIT_ACTORS = frozenset().union(*UNIT_ACTOR_ROLES.values())


# ---------------------------------------------------------------------------------------
# The policy list (public documents: every signed-in user reads every edition)


def current_edition() -> PolicyEdition | None:
    return PolicyEdition.objects.filter(is_current=True).first()


def policy_items(edition: PolicyEdition | None = None) -> QuerySet[PolicyItem]:
    edition = edition or current_edition()
    if edition is None:
        return PolicyItem.objects.none()
    return PolicyItem.objects.filter(edition=edition).select_related("edition").order_by("number")


# ---------------------------------------------------------------------------------------
# Roles against units


def acts_for(user: User, unit: OrgUnit) -> bool:
    """The user may act in the unit's own name (self-check, reports, its rectifications)."""
    return holds(user, UNIT_ACTOR_ROLES.get(unit.level, frozenset()), {unit.pk})


def units_acted_for(user: User) -> list[OrgUnit]:
    """The units the user may act for, in tree order."""
    units = {m.org_unit.pk: m.org_unit for m in memberships_of(user) if m.role in UNIT_ACTOR_ROLES[m.org_unit.level]}
    return sorted(units.values(), key=lambda u: u.path)


def is_member_of(user: User, unit: OrgUnit) -> bool:
    return any(m.org_unit_id == unit.pk for m in memberships_of(user))


def oversees(user: User, unit: OrgUnit, roles=OVERSIGHT_ROLES) -> bool:
    """The user holds one of ``roles`` at a unit strictly above ``unit``."""
    return holds(user, roles, unit.ancestor_ids())


def supervising_office(user: User, target: OrgUnit) -> OrgUnit | None:
    """The nearest office above ``target`` where the user is an inspector, or None."""
    ancestors = set(target.ancestor_ids())
    offices = [m.org_unit for m in memberships_of(user) if m.role in SUPERVISOR_ROLES and m.org_unit_id in ancestors]
    return max(offices, key=lambda u: u.depth, default=None)


def can_edit_inspection(user: User, inspection: Inspection) -> bool:
    """Whoever makes the inspection: the unit itself, or the inspectors of the office."""
    if inspection.kind == InspectionKind.SELF_CHECK:
        return acts_for(user, inspection.target)
    return holds(user, SUPERVISOR_ROLES, {inspection.office_id})


def can_verify(user: User, rectification: Rectification) -> bool:
    """复查验收 is for an inspector or an office above the responsible unit, never the unit."""
    if is_member_of(user, rectification.unit):
        return False
    return oversees(user, rectification.unit)


def can_hold_to_account(user: User, unit: OrgUnit) -> bool:
    return oversees(user, unit) and not is_member_of(user, unit)


def supervisable_units(user: User) -> QuerySet[OrgUnit]:
    """Units strictly below an office where the user is an inspector."""
    roots = scope_roots(user, roles=SUPERVISOR_ROLES)
    if not roots:
        return OrgUnit.objects.none()
    return (
        OrgUnit.objects.filter(subtree_q(roots), is_active=True)
        .exclude(pk__in=[root.pk for root in roots])
        .order_by("path")
    )


# ---------------------------------------------------------------------------------------
# Inspections


def inspections_visible_to(user: User) -> QuerySet[Inspection]:
    """Inspections of units in the caller's subtree.

    A supervision still being written is not shown to the inspected unit's own people:
    an unannounced visit (不打招呼) must not be announced by the portal.
    """
    qs = restrict(Inspection.objects.all(), user, via="target", roles=INSPECTION_READER_ROLES)
    own = {m.org_unit_id for m in memberships_of(user)}
    if own:
        qs = qs.exclude(kind=InspectionKind.SUPERVISION, status=InspectionStatus.DRAFT, target_id__in=own)
    return qs


def inspection_list(user: User) -> QuerySet[Inspection]:
    return inspections_visible_to(user).select_related("target", "office", "round", "campaign")


def inspection_detail_queryset(user: User) -> QuerySet[Inspection]:
    return inspections_visible_to(user).select_related(
        "target", "target__parent", "office", "edition", "campaign", "round", "created_by", "submitted_by"
    )


def rectifications_visible_to(user: User) -> QuerySet[Rectification]:
    return restrict(Rectification.objects.all(), user, via="unit", roles=INSPECTION_READER_ROLES).select_related(
        "unit", "inspection", "inspection__target", "inspection__office", "result__item"
    )


def accountability_visible_to(user: User) -> QuerySet[AccountabilityMeasure]:
    return restrict(
        AccountabilityMeasure.objects.all(), user, via="unit", roles=INSPECTION_READER_ROLES
    ).select_related("unit", "office", "inspection", "case", "decided_by")


def rounds_visible_to(user: User) -> QuerySet[InspectionRound]:
    """Rounds run by an office in the caller's subtree or above it."""
    own = memberships_of(user)
    above = {pk for m in own if m.role in INSPECTION_READER_ROLES for pk in [*m.org_unit.ancestor_ids(), m.org_unit_id]}
    inside = restrict(InspectionRound.objects.all(), user, via="office", roles=INSPECTION_READER_ROLES)
    return InspectionRound.objects.filter(Q(pk__in=inside.values("pk")) | Q(office_id__in=above)).select_related(
        "office", "campaign"
    )


def campaigns_visible_to(user: User) -> QuerySet[Campaign]:
    """Campaigns organised above the caller (which the caller must take part in) or
    inside the caller's subtree."""
    own = memberships_of(user)
    readers = INSPECTION_READER_ROLES
    above = {pk for m in own if m.role in readers for pk in [*m.org_unit.ancestor_ids(), m.org_unit_id]}
    inside = restrict(Campaign.objects.all(), user, via="organiser", roles=readers)
    return Campaign.objects.filter(Q(pk__in=inside.values("pk")) | Q(organiser_id__in=above)).select_related(
        "organiser", "edition"
    )


def units_in_view(user: User) -> QuerySet[OrgUnit]:
    """Units whose inspection results the caller may read (their subtree)."""
    return units_in_scope(user, roles=INSPECTION_READER_ROLES)


def published_rounds() -> QuerySet[InspectionRound]:
    """Rounds open to the public (no sign-in)."""
    return InspectionRound.objects.filter(published_at__isnull=False).select_related("office").order_by("-published_at")
