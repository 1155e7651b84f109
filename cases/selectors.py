"""Permission-aware reads of cases, all built on the one scoping rule."""

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import COMMITTEE_ROLES, OFFICE_ROLES, SCHOOL_ROLES, OrgUnit, Role, User
from accounts.selectors import has_role, holds, memberships_of, restrict, scope_roots, subtree_q
from cases.models import Case, Party, UnmaskGrant, UnmaskStatus

# Memberships that open the cases of their subtree: the school's own people and the offices.
CASE_READER_ROLES = SCHOOL_ROLES | OFFICE_ROLES
# Memberships that act on a case: the school's committee runs it, the county office oversees it.
CASE_HANDLER_ROLES = COMMITTEE_ROLES | {Role.COUNTY_OFFICER}
# City and province officials, who see names masked and may ask for a purpose-bound grant.
UNMASK_ROLES = frozenset({Role.CITY_OFFICER, Role.PROVINCE_OFFICER})


def cases_visible_to(user: User, *, within: OrgUnit | None = None) -> QuerySet[Case]:
    """Cases of the schools in the caller's subtree (school, county, city, province),
    and, for a review panel member, the cases of the appeals they hold a grant on
    (read-only for them). The ``OR`` is added only for a user holding such a grant: it
    would stop PostgreSQL narrowing to the subtree first.

    ``within``: the same set cut to that unit's subtree (a dashboard's unit, a drill-down).
    When the unit lies inside the caller's own case scope every granted case under it is
    already in that scope, so the grants are not read (no query)."""
    scoped = restrict(Case.objects.all(), user, via="school", roles=CASE_READER_ROLES)
    if within is not None:
        scoped = scoped.filter(subtree_q([within], "school__"))
        if any(within.is_within(root) for root in scope_roots(user, roles=CASE_READER_ROLES)):
            return scoped
    granted = granted_case_ids(user)
    if not granted:
        return scoped
    extra = Case.objects.filter(id__in=granted)
    if within is not None:
        extra = extra.filter(subtree_q([within], "school__"))
    return scoped | extra


def case_list(user: User) -> QuerySet[Case]:
    return cases_visible_to(user).select_related("school", "school__parent")


def case_detail_queryset(user: User) -> QuerySet[Case]:
    return (
        cases_visible_to(user)
        .select_related("school", "school__parent", "reported_by")
        .prefetch_related(Prefetch("parties", queryset=Party.objects.order_by("role", "id")))
    )


def can_see_names(user: User, case: Case, *, with_grant: bool = True) -> bool:
    """Children's names are shown to the handling school and its county office only
    (政策清单第33项; 山西通知三.3). Everyone else sees ``张**``.

    ``with_grant=False`` leaves out the purpose-bound unmask grant: a grant opens the
    case's own pages, not the other records (appeals) that mention its children."""
    if holds(user, SCHOOL_ROLES, {case.school_id}):
        return True
    if case.school.parent_id is not None and holds(user, {Role.COUNTY_OFFICER}, {case.school.parent_id}):
        return True
    # A review panel member needs the names to review the case, on that case only.
    if case.pk in panel_case_ids(user):
        return True
    # A city or province official with an approved, unexpired purpose-bound grant.
    return with_grant and active_unmask_grant(user, case) is not None


def granted_case_ids(user: User) -> list[int]:
    """Ids of the cases of the appeals the user reviews as a panel member (one indexed query).

    Read straight from the django-guardian grant rows on appeals, through the reverse
    relations, so the case app needs nothing from the appeals app. A list, not a
    subquery: most users hold no grant, and their case queries then stay a plain subtree
    filter that PostgreSQL can drive by index. Not cached on the user object: a grant
    given or ended takes effect at once.
    """
    if not user.is_authenticated:
        return []
    ids = Case.objects.filter(
        appeals__appealuserobjectpermission__user=user,
        appeals__appealuserobjectpermission__permission__codename=PANEL_GRANT_CODENAME,
    ).values_list("pk", flat=True)
    return sorted(set(ids))


# The django-guardian permission a review panel member holds on one appeal.
PANEL_GRANT_CODENAME = "view_appeal"


def panel_case_ids(user: User) -> set[int]:
    """The same set as ``granted_case_ids``, read once per user object (the case page asks
    it several times). ``forget_panel_grants`` drops it after a grant changes."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_panel_cases_cache", None)
    if cached is None:
        cached = set(granted_case_ids(user))
        user.__dict__["_panel_cases_cache"] = cached
    return cached


def forget_panel_grants(user: User) -> None:
    """Drop the cached grants after they change (the same user object is reused)."""
    for attr in ("_panel_cases_cache", "_panel_appeals_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def active_unmask_grant(user: User, case: Case) -> UnmaskGrant | None:
    if not user.is_authenticated or not has_role(user, UNMASK_ROLES):
        return None  # only city and province officials can hold a grant: no query for others
    return (
        UnmaskGrant.objects.filter(
            case=case, requester=user, status=UnmaskStatus.APPROVED, expires_at__gt=timezone.now()
        )
        .order_by("-expires_at")
        .first()
    )


def can_request_unmask(user: User, case: Case) -> bool:
    """City and province officials with the case in scope, who do not see names already."""
    return (
        has_role(user, UNMASK_ROLES)
        and restrict(Case.objects.filter(pk=case.pk), user, via="school", roles=UNMASK_ROLES).exists()
    )


def unmask_requests_to_decide(user: User) -> QuerySet[UnmaskGrant]:
    """Pending requests a second official may decide: cases in their own scope, not their own."""
    cases = restrict(Case.objects.all(), user, via="school", roles=UNMASK_ROLES)
    return (
        UnmaskGrant.objects.filter(status=UnmaskStatus.PENDING, case__in=cases)
        .exclude(requester=user)
        .select_related("case", "case__school", "requester")
    )


def can_report_at(user: User, school: OrgUnit) -> bool:
    """Any staff member of the school may record an incident (政策清单第30项)."""
    return holds(user, SCHOOL_ROLES, {school.pk})


def can_handle(user: User, case: Case) -> bool:
    """The school's bullying-governance committee runs the procedure."""
    return holds(user, COMMITTEE_ROLES, {case.school_id})


def is_chair(user: User, case: Case) -> bool:
    return holds(user, {Role.COMMITTEE_CHAIR}, {case.school_id})


def schools_for_reporting(user: User) -> list[OrgUnit]:
    return [m.org_unit for m in memberships_of(user) if m.role in SCHOOL_ROLES]
