"""The append-only, tamper-evident audit log.

Every login, failed login, lockout, permission denial, role change and read of a
sensitive object writes one ``AuditEvent`` in the same transaction as the action it
records. Rows carry ids and codes only: never a child's name or incident content.

Each row stores the SHA-256 of its content and of the previous row's hash, so editing or
deleting a row breaks the chain from there on (``manage.py verify_audit`` names the first
broken row). On PostgreSQL a trigger refuses UPDATE and DELETE outright; the only delete
allowed is the retention purge (``purge_audit``), which never goes below 185 days.
"""

from contextvars import ContextVar

from django.db import connection, transaction
from django.utils import timezone

from bullying.audit.models import AuditEvent, Outcome

# Set per request by bullying.middleware.RequestContextMiddleware.
current_ip: ContextVar[str | None] = ContextVar("current_ip", default=None)


def audit_record(
    *,
    action: str,
    outcome: str = Outcome.SUCCESS,
    actor=None,
    username: str = "",
    org_unit=None,
    obj=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict | None = None,
) -> AuditEvent:
    """Write one audit row. ``detail`` must hold codes and ids only, never names."""
    roles = ""
    if actor is not None and getattr(actor, "is_authenticated", False):
        # ``accounts.selectors.memberships_of`` caches the memberships on the user object;
        # read that cache when it is there (no query), the relation otherwise. The audit
        # log sits below the accounts app and does not import it.
        memberships = getattr(actor, "_memberships_cache", None)
        if memberships is None:
            memberships = list(actor.memberships.select_related("org_unit"))
        roles = ",".join(sorted({m.role for m in memberships}))
        if org_unit is None and memberships:
            org_unit = memberships[0].org_unit
        username = username or actor.get_username()
    else:
        actor = None
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    event = AuditEvent(
        actor=actor,
        username=username[:150],
        roles=roles,
        org_unit=org_unit,
        action=action,
        object_type=object_type,
        object_id=object_id,
        outcome=outcome,
        ip=current_ip.get(),
        detail=detail or {},
    )
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Serialise appends so each row links to the one before it; held until commit.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK])
        last = AuditEvent.objects.order_by("-id").values_list("hash", flat=True).first()
        event.prev_hash = last or GENESIS_HASH
        event.at = timezone.now()
        event.hash = event.compute_hash()
        event.save()
    return event


def audit_denied(*, actor, object_type: str, object_id, detail: dict | None = None) -> AuditEvent | None:
    """Record one refused access (``access.denied``): an object outside the caller's
    scope (answered 404), a page or action the caller's roles do not open (404 or 403).

    ``object_type`` is the model label (``cases.case``) or ``"path"`` for a refused page,
    ``object_id`` its id or the path; ``detail`` codes only (method, status). Nothing is
    written for an anonymous visitor: they are sent to the login page, not refused."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return None
    return audit_record(
        action="access.denied",
        outcome=Outcome.DENIED,
        actor=actor,
        object_type=object_type,
        object_id=str(object_id)[:64],
        detail=detail,
    )


AUDIT_CHAIN_LOCK = 7_202_611  # an arbitrary constant naming the audit chain's advisory lock
GENESIS_HASH = "0" * 64


def audit_verify() -> tuple[int, AuditEvent | None]:
    """Walk the chain in order; return (rows checked, first broken row or None).

    The oldest remaining row's ``prev_hash`` is trusted as the anchor, so a retention
    purge of the oldest rows does not count as tampering.
    """
    checked = 0
    previous = None
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        if previous is not None and event.prev_hash != previous:
            return checked, event
        if event.compute_hash() != event.hash:
            return checked, event
        previous = event.hash
        checked += 1
    return checked, None
