"""Permission-aware reads of appeals (申诉), built on the one scoping rule.

Who sees an appeal:

- the county office handling it (its subtree: ``restrict`` by the appeal's county);
- the city and province offices above it, once it is filed with them (备案); names masked;
- the committee of the school whose determination is appealed (read-only);
- the members of its review panel, through a django-guardian grant on that one appeal,
  until it is filed.

Everything else is outside the caller's scope: 404, never 403.
"""

from django.db.models import Case as SqlCase
from django.db.models import IntegerField, Prefetch, Q, QuerySet, Value, When
from guardian.shortcuts import get_objects_for_user

from accounts.models import COMMITTEE_ROLES, OrgUnit, Role, User
from accounts.selectors import holds, holds_over, memberships_of, scope_roots, subtree_q
from cases.appeals.models import Appeal, AppealStatus
from cases.models import Case, Party
from cases.privacy import ChildPrivacy, privacy_for
from cases.selectors import forget_panel_grants

# The county office handling an appeal: reads every appeal of its subtree and decides on it.
APPEAL_MANAGER_ROLES = frozenset({Role.COUNTY_OFFICER})
# The offices above, which read an appeal once it is filed with them (备案).
APPEAL_FILING_READER_ROLES = frozenset({Role.CITY_OFFICER, Role.PROVINCE_OFFICER})
# The committee of the school whose determination is appealed (read-only, its own school).
APPEAL_SCHOOL_READER_ROLES = COMMITTEE_ROLES
# Memberships that may sit on a review panel (on one appeal, through a guardian grant).
APPEAL_PANEL_ROLES = frozenset({Role.REVIEW_EXPERT})
# Everyone whom some appeal may be shown to (the appeal queue in the menu).
APPEAL_READER_ROLES = (
    APPEAL_MANAGER_ROLES | APPEAL_FILING_READER_ROLES | APPEAL_SCHOOL_READER_ROLES | APPEAL_PANEL_ROLES
)
VIEW_APPEAL = "appeals.view_appeal"


def granted_appeals(user: User) -> QuerySet[Appeal]:
    """Appeals the user holds a panel grant on (one lazy ``id IN`` subquery)."""
    if not user.is_authenticated:
        return Appeal.objects.none()
    return get_objects_for_user(
        user, VIEW_APPEAL, klass=Appeal, use_groups=False, with_superuser=False, accept_global_perms=False
    )


def appeals_visible_to(user: User, *, within: OrgUnit | None = None) -> QuerySet[Appeal]:
    """Every appeal the caller may read, as one restricted queryset.

    ``within``: the same set cut to the subtree of that unit (by the appealed case's
    school), as a dashboard drilled to the unit counts it."""
    if not user.is_authenticated:
        return Appeal.objects.none()
    q = Q(pk__in=granted_appeals(user).values("pk"))
    managers = scope_roots(user, roles=APPEAL_MANAGER_ROLES)
    if managers:
        q |= subtree_q(managers, "county__")
    filings = scope_roots(user, roles=APPEAL_FILING_READER_ROLES)
    if filings:
        q |= Q(status=AppealStatus.FILED) & subtree_q(filings, "county__")
    schools = [m.org_unit_id for m in memberships_of(user) if m.role in APPEAL_SCHOOL_READER_ROLES]
    if schools:
        q |= Q(case__school_id__in=schools)
    qs = Appeal.objects.filter(q)
    if within is not None:
        qs = qs.filter(subtree_q([within], "case__school__"))
    return qs


def appeal_list(user: User) -> QuerySet[Appeal]:
    """The appeal queue: overdue reviews first, then reviews by due date, then appeals
    awaiting the acceptance decision, then those awaiting filing, then finished ones."""
    urgency = SqlCase(
        When(status=AppealStatus.REVIEWING, then=Value(0)),
        When(status=AppealStatus.RECEIVED, then=Value(1)),
        When(status=AppealStatus.DECIDED, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return (
        appeals_visible_to(user)
        .select_related("case", "case__school", "county")
        .prefetch_related(Prefetch("case__parties", queryset=Party.objects.order_by("id")))
        .annotate(urgency=urgency)
        .order_by("urgency", "review_due", "-received_on", "-id")
    )


def appeal_detail_queryset(user: User) -> QuerySet[Appeal]:
    return appeals_visible_to(user).select_related(
        "case",
        "case__school",
        "case__school__parent",
        "county",
        "county__parent",
        "determination",
        "lodged_by",
        "forwarded_by",
        "acceptance_by",
        "decided_by",
        "filed_by",
        "filed_with",
    )


def can_manage(user: User, appeal: Appeal) -> bool:
    """The county office handling the appeal takes every decision on it."""
    return holds_over(user, APPEAL_MANAGER_ROLES, appeal.county)


def can_manage_county(user: User, county: OrgUnit) -> bool:
    return holds_over(user, APPEAL_MANAGER_ROLES, county)


def can_lodge(user: User, case: Case) -> bool:
    """The county office over the school records an appeal; the school's committee
    forwards one it received."""
    if holds(user, COMMITTEE_ROLES, {case.school_id}):
        return True
    return holds_over(user, APPEAL_MANAGER_ROLES, case.school)


def is_panel_member(user: User, appeal: Appeal) -> bool:
    return appeal.pk in panel_appeal_ids(user)


def panel_appeal_ids(user: User) -> set[int]:
    """Ids of the appeals the user holds a grant on, read once per user object."""
    if not user.is_authenticated:
        return set()
    cached = getattr(user, "_panel_appeals_cache", None)
    if cached is None:
        cached = dict(granted_appeals(user).values_list("pk", "case_id"))
        user.__dict__["_panel_appeals_cache"] = cached
    return set(cached)


def forget_grants(user: User) -> None:
    """Drop the cached grants after they change (the same user object is reused)."""
    forget_panel_grants(user)


def appeal_privacy(user: User, appeal: Appeal) -> ChildPrivacy:
    """What ``user`` sees of the children (and the appellant) in an appeal: the handling
    school, the county office and the panel see names; the offices above read the filing
    masked (政策清单第33项), also under an unmask grant for the case, which opens the
    case's own pages only."""
    return privacy_for(user, appeal.case, with_grant=False)


def can_see_names(user: User, appeal: Appeal) -> bool:
    return appeal_privacy(user, appeal).show_names


def panel_candidates(appeal: Appeal) -> QuerySet[User]:
    """Users the county may put on the panel: anyone with a membership in its subtree."""
    return (
        User.objects.filter(subtree_q([appeal.county], "memberships__org_unit__"), is_active=True)
        .distinct()
        .order_by("name", "username")
    )


def determination_participant_ids(appeal: Appeal) -> set[int]:
    """Everyone who took part in the school's determination(s) of the case: they must
    stand aside (回避) from the review."""
    ids: set[int] = set()
    from_reviews = Appeal.objects.filter(case_id=appeal.case_id, review_determination__isnull=False).values(
        "review_determination_id"
    )
    school_determinations = appeal.case.determinations.exclude(pk__in=from_reviews).prefetch_related("members_present")
    for d in school_determinations:
        ids.add(d.recorded_by_id)
        if d.signed_off_by_id:
            ids.add(d.signed_off_by_id)
        ids.update(u.pk for u in d.members_present.all())
    return ids
