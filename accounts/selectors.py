"""The one scoping rule: who sees what, by the organisation tree.

The vocabulary every selector is built from:

- ``scope_roots(user, roles=…)`` — the units at the top of the caller's scope for a set of
  roles (nested memberships dropped);
- ``subtree_q(roots, prefix)`` — "under one of these units" as one ``Q`` on the
  materialised path (one indexed prefix filter per root);
- ``units_in_scope(user, roles=…)`` — the units of that scope;
- ``restrict(qs, user, via=…, roles=…)`` — a queryset cut to the scope, ``via`` naming the
  lookup from the model to its ``OrgUnit``.

Which memberships open which kind of object is a named set of ``accounts.models.Role``,
declared next to the selector of that kind (``cases.selectors.CASE_READER_ROLES``,
``cases.appeals.selectors.APPEAL_MANAGER_ROLES``, ``reporting.selectors.DASHBOARD_ROLES``,
``inspections.selectors.INSPECTION_READER_ROLES`` …); the ones about units, users and the
audit log live here. A ``sysadmin`` manages units and users but reads no case content; an
``auditor`` reads the audit log and nothing else.

An object outside the scope is never in the queryset, so an HTML view fetching it answers
404 through ``bullying.access.get_in_scope_or_404`` (audited), and the API the same way.
"""

from collections.abc import Iterable
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet

from accounts.models import (
    COMMITTEE_ROLES,
    OFFICE_ROLES,
    SCHOOL_ROLES,
    Membership,
    OrgUnit,
    Role,
    User,
)

__all__ = [
    "AUDIT_READER_ROLES",
    "COMMITTEE_ROLES",
    "OFFICE_ROLES",
    "ORG_UNIT_READER_ROLES",
    "SCHOOL_ROLES",
    "USER_ADMIN_ROLES",
    "audit_events_visible_to",
    "has_role",
    "holds",
    "holds_over",
    "memberships_of",
    "org_units_visible_to",
    "requires_second_factor",
    "restrict",
    "roles_of",
    "scope_roots",
    "subtree_q",
    "units_in_scope",
    "users_visible_to",
]

# Who reads the organisation tree: everyone but the auditor (who reads the audit log only).
ORG_UNIT_READER_ROLES = frozenset(Role) - {Role.AUDITOR}
# Who manages units and users of their subtree.
USER_ADMIN_ROLES = frozenset({Role.SYSADMIN})
# Who reads the audit log of their subtree.
AUDIT_READER_ROLES = frozenset({Role.AUDITOR})


def memberships_of(user: User) -> list[Membership]:
    """The user's memberships with their units, read once per user object."""
    if not user.is_authenticated:
        return []
    cached = getattr(user, "_memberships_cache", None)
    if cached is None:
        cached = list(Membership.objects.filter(user=user).select_related("org_unit"))
        user.__dict__["_memberships_cache"] = cached
    return cached


def roles_of(user: User) -> set[str]:
    """Every role the user holds, at any unit."""
    return {m.role for m in memberships_of(user)}


def has_role(user: User, roles: Iterable[str]) -> bool:
    """The user holds one of ``roles`` somewhere."""
    wanted = set(roles)
    return any(m.role in wanted for m in memberships_of(user))


def holds(user: User, roles: Iterable[str], unit_ids: Iterable[int]) -> bool:
    """The user holds one of ``roles`` at one of these very units (not above them)."""
    wanted, units = set(roles), set(unit_ids)
    return any(m.role in wanted and m.org_unit_id in units for m in memberships_of(user))


def holds_over(user: User, roles: Iterable[str], unit: OrgUnit) -> bool:
    """The user holds one of ``roles`` at ``unit`` or at a unit above it."""
    wanted = set(roles)
    return any(m.role in wanted and unit.path.startswith(m.org_unit.path) for m in memberships_of(user))


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


def subtree_q(roots: Iterable[OrgUnit], prefix: str = "") -> Q:
    """``Q`` for "at or under one of ``roots``", on ``<prefix>path``.

    ``prefix`` is the lookup to the ``OrgUnit`` with its trailing ``__`` (``"school__"``
    for a case, ``"case__school__"`` for an appeal, ``""`` for units). No roots: a ``Q``
    that matches nothing, so an empty scope can never widen into "everything".
    """
    parts = [Q(**{f"{prefix}path__startswith": root.path}) for root in roots]
    if not parts:
        return Q(pk__in=[])
    return reduce(or_, parts)


def units_in_scope(user: User, *, roles: Iterable[str]) -> QuerySet[OrgUnit]:
    """Every unit under the user's memberships with one of ``roles`` (inclusive)."""
    roots = scope_roots(user, roles=roles)
    if not roots:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(subtree_q(roots))


def restrict(qs: QuerySet, user: User, *, via: str, roles: Iterable[str]) -> QuerySet:
    """Restrict ``qs`` to objects whose org unit (reached by ``via``) is in scope.

    ``via`` is the lookup from the model to its ``OrgUnit``: ``"school"`` for a case,
    ``"case__school"`` for an appeal, ``""`` for org units themselves.
    """
    roots = scope_roots(user, roles=roles)
    if not roots:
        return qs.none()
    if via == "":
        return qs.filter(subtree_q(roots))
    return qs.filter(subtree_q(roots, prefix=f"{via}__"))


def org_units_visible_to(user: User) -> QuerySet[OrgUnit]:
    """The caller's subtree and, for context, its ancestors (API.md ``/org-units/``).

    An auditor sees only the units of their own memberships.
    """
    roots = scope_roots(user, roles=ORG_UNIT_READER_ROLES)
    own = [m.org_unit for m in memberships_of(user)]
    ancestor_ids = {pk for unit in own for pk in unit.ancestor_ids()} | {u.pk for u in own}
    q = Q(pk__in=ancestor_ids)
    if roots:
        q |= subtree_q(roots)
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
    q = subtree_q(roots, prefix="org_unit__")
    if any(root.parent_id is None for root in roots):
        q |= Q(org_unit__isnull=True)
    return AuditEvent.objects.filter(q)


def requires_second_factor(user: User) -> bool:
    """Officials above the school, sysadmins and auditors need TOTP."""
    return any(m.role not in SCHOOL_ROLES for m in memberships_of(user))
