"""The one scoping rule: who sees what, by the organisation tree.

Every list, detail, export, dashboard, admin and API path restricts its queryset with
``restrict`` (or a selector built on it). A unit's subtree is one prefix filter on the
materialised path; objects are restricted with a single ``<org field> IN (subquery)``,
so the database does the work in one statement whatever the size of the tree.

Roles decide *which kind* of object a membership opens: a ``sysadmin`` manages units and
users but reads no case content; an ``auditor`` reads the audit log and nothing else.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import (
    COMMITTEE_ROLES,
    OFFICE_ROLES,
    SCHOOL_ROLES,
    Membership,
    OrgUnit,
    Role,
    User,
)

# Which memberships open which kind of object.
CASE_READER_ROLES = SCHOOL_ROLES | OFFICE_ROLES
CASE_HANDLER_ROLES = COMMITTEE_ROLES | {Role.COUNTY_OFFICER}
ORG_UNIT_READER_ROLES = frozenset(Role) - {Role.AUDITOR}
USER_ADMIN_ROLES = frozenset({Role.SYSADMIN})
AUDIT_READER_ROLES = frozenset({Role.AUDITOR})


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships with their units, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("org_unit"))
        user._memberships_cache = cached
    return cached


def roles_of(user: User) -> set[str]:
    return {m.role for m in memberships_of(user)}


def has_role(user: User, roles: Iterable[str]) -> bool:
    wanted = set(roles)
    return any(m.role in wanted for m in memberships_of(user))


def scope_roots(user: User, *, roles: Iterable[str]) -> list[OrgUnit]:
    """The units at the top of the user's scope for these roles, nested ones dropped."""
    wanted = set(roles)
    units = sorted(
        {m.org_unit.pk: m.org_unit for m in memberships_of(user) if m.role in wanted}.values(),
        key=lambda u: u.path,
    )
    roots: list[OrgUnit] = []
    for unit in units:
        if not any(unit.path.startswith(root.path) for root in roots):
            roots.append(unit)
    return roots


def _subtree_q(roots: list[OrgUnit], prefix: str = "") -> Q:
    return reduce(or_, (Q(**{f"{prefix}path__startswith": root.path}) for root in roots))


def units_in_scope(user: User, *, roles: Iterable[str]) -> QuerySet[OrgUnit]:
    """Every unit under the user's memberships with one of ``roles`` (inclusive)."""
    roots = scope_roots(user, roles=roles)
    if not roots:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(_subtree_q(roots))


def restrict(qs: QuerySet, user: User, *, via: str, roles: Iterable[str]) -> QuerySet:
    """Restrict ``qs`` to objects whose org unit (reached by ``via``) is in scope.

    ``via`` is the lookup from the model to its ``OrgUnit``: ``"school"`` for a case,
    ``"case__school"`` for an appeal, ``""`` for org units themselves.
    """
    roots = scope_roots(user, roles=roles)
    if not roots:
        return qs.none()
    if via == "":
        return qs.filter(_subtree_q(roots))
    return qs.filter(_subtree_q(roots, prefix=f"{via}__"))


def get_in_scope_or_404(qs: QuerySet, user: User, *, via: str, roles: Iterable[str], **lookup):
    """One object from the restricted queryset; outside scope is 404, never 403."""
    obj = restrict(qs, user, via=via, roles=roles).filter(**lookup).first()
    if obj is None:
        raise Http404
    return obj


def org_units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """The caller's subtree and, for context, its ancestors (API.md ``/org-units/``).

    An auditor sees only the units of their own memberships.
    """
    roots = scope_roots(user, roles=ORG_UNIT_READER_ROLES)
    own = [m.org_unit for m in memberships_of(user)]
    ancestor_ids = {pk for unit in own for pk in unit.ancestor_ids()} | {u.pk for u in own}
    q = Q(pk__in=ancestor_ids)
    if roots:
        q |= _subtree_q(roots)
    if not ancestor_ids and not roots:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(q)


def users_visible_to(user: User) -> QuerySet[User]:
    """Users a sysadmin manages: those with a membership inside the sysadmin's subtree."""
    units = units_in_scope(user, roles=USER_ADMIN_ROLES)
    return User.objects.filter(memberships__org_unit__in=units).distinct()


def audit_events_visible_to(user: User) -> QuerySet:
    """Audit rows an auditor may read: their subtree, and unattributed rows (failed
    logins of unknown names) only for an auditor at the root of the tree."""
    from bullying.audit.models import AuditEvent

    roots = scope_roots(user, roles=AUDIT_READER_ROLES)
    if not roots:
        return AuditEvent.objects.none()
    q = _subtree_q(roots, prefix="org_unit__")
    if any(root.parent_id is None for root in roots):
        q |= Q(org_unit__isnull=True)
    return AuditEvent.objects.filter(q)


def requires_second_factor(user: User) -> bool:
    """Officials above the school, sysadmins and auditors need TOTP."""
    return any(m.role not in SCHOOL_ROLES for m in memberships_of(user))
