"""Deadline reminders and escalation (督办), each reminder delivered exactly once.

A feature registers each kind of deadline once (``register_deadline_kind``): how to list
its open deadlines, who must act, and which office above is told when it lapses. The
periodic sweep then does the rest for every kind:

1. **plan** — for each open deadline, the *latest* threshold already reached (3 days
   before, 1 day before, the due day, overdue, then every ``repeat_days``) becomes one
   ``Reminder`` row with a unique key. Older thresholds missed during a beat outage are
   never created, so a late sweep catches up without a burst.
2. **deliver** — pending rows are claimed with ``SELECT … FOR UPDATE SKIP LOCKED`` in
   batches; each recipient gets a notification whose ``dedupe_key`` is unique, so
   parallel sweeps, retries and a worker killed mid-batch never double-send.
3. **escalate / resolve** — an overdue deadline opens one ``Escalation`` for the office
   above (shown on its workbench); it is resolved when the deadline is no longer open.

Due work lives in the database, not in broker countdowns: a crashed worker loses nothing.
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone

from bullying.bulk import bulk_insert_new
from bullying.deadlines.models import Escalation, Reminder, ReminderStatus
from bullying.timeutil import today_local

# ---------------------------------------------------------------------------------------
# Registry


@dataclass(frozen=True)
class OpenDeadline:
    """One open deadline as a kind reports it. ``subject`` and ``link`` carry no names."""

    object_id: int
    due: date
    unit_id: int  # the unit that must act
    escalation_unit_id: int | None  # the office told when it lapses
    subject: str  # e.g. "欺凌事件 2133010601-2026-0003 的调查处理"
    link: str


@dataclass(frozen=True)
class DeadlineKind:
    code: str
    label: str
    # All open deadlines of this kind (called once per sweep; keep it one query).
    open_deadlines: Callable[[], Iterable[OpenDeadline]]
    # {object_id: due} for those of ``ids`` still open (one query).
    still_open: Callable[[Iterable[int]], dict[int, date]]
    recipient_roles: frozenset[str]
    escalation_roles: frozenset[str]
    before_days: tuple[int, ...] = (3, 1)
    repeat_days: int = 7
    # A per-unit kind has one deadline per (object, unit): a campaign task every unit of a
    # level files. Its ``still_open`` then takes and returns (object_id, unit_id) pairs.
    per_unit: bool = False
    extra: dict = field(default_factory=dict)

    def ident(self, object_id: int, unit_id: int):
        """What identifies one deadline of this kind: the object, or (object, unit)."""
        return (object_id, unit_id) if self.per_unit else object_id

    def key(self, object_id: int, unit_id: int, due: date, threshold: str) -> str:
        subject = f"{object_id}:{unit_id}" if self.per_unit else str(object_id)
        return f"{self.code}:{subject}:{due.isoformat()}:{threshold}"


_kinds: dict[str, DeadlineKind] = {}


def register_deadline_kind(kind: DeadlineKind) -> DeadlineKind:
    """Register a kind of deadline; call from ``AppConfig.ready()``. Idempotent by code."""
    _kinds[kind.code] = kind
    return kind


def deadline_kinds() -> dict[str, DeadlineKind]:
    return dict(_kinds)


# ---------------------------------------------------------------------------------------
# Models


def current_threshold(kind: DeadlineKind, due: date, today: date) -> tuple[str, date] | None:
    """The latest threshold reached by ``today``: (code, the day it fires), or None."""
    if today > due:
        overdue = (today - due).days
        # overdue:1 the day after, then every repeat_days: overdue:8, overdue:15, …
        step = max(kind.repeat_days, 1)
        n = 1 + ((overdue - 1) // step) * step
        return f"overdue:{n}", due + timedelta(days=n)
    if today == due:
        return "due", due
    for days in sorted(kind.before_days):
        if today >= due - timedelta(days=days):
            return f"before:{days}", due - timedelta(days=days)
    return None


def _message(reminder: Reminder, today: date) -> str:
    if reminder.threshold == "due":
        return f"{reminder.subject}今日（{reminder.due_on:%Y-%m-%d}）到期，请按时办结。"
    if reminder.is_overdue_threshold:
        days = (today - reminder.due_on).days
        return f"{reminder.subject}已超过期限 {days} 天（期限 {reminder.due_on:%Y-%m-%d}），请尽快办理。"
    days = (reminder.due_on - today).days
    return f"{reminder.subject}将于 {reminder.due_on:%Y-%m-%d} 到期（还有 {days} 天）。"


def _escalation_message(reminder: Reminder, today: date, unit_name: str) -> str:
    days = (today - reminder.due_on).days
    return f"督办：{unit_name}的{reminder.subject}已超期 {days} 天（期限 {reminder.due_on:%Y-%m-%d}）。"


# ---------------------------------------------------------------------------------------
# The sweep


@dataclass
class SweepResult:
    planned: int = 0
    delivered: int = 0
    notifications: int = 0
    cancelled: int = 0
    escalations_opened: int = 0
    escalations_resolved: int = 0


@dataclass
class OpenSnapshot:
    """Every open deadline as read at ``taken_at``: {kind code: {ident: due}}."""

    taken_at: datetime
    due: dict[str, dict] = field(default_factory=dict)


REMINDER_FIELDS = [
    "key",
    "kind",
    "object_id",
    "due_on",
    "threshold",
    "fire_on",
    "status",
    "unit_id",
    "escalation_unit_id",
    "subject",
    "link",
    "created_at",
]


def reminders_plan(*, today: date | None = None, snapshot: OpenSnapshot | None = None) -> int:
    """Create the reminder row of the current threshold of every open deadline.

    Runs over every open deadline on every sweep: the keys already planned are looked up
    in chunks and only the new rows are inserted. When ``snapshot`` is given, the open
    deadlines read are recorded in it (for ``escalations_resolve``).
    """
    today = today or today_local()
    now = timezone.now()
    candidates: dict[str, tuple] = {}
    for kind in _kinds.values():
        seen = snapshot.due.setdefault(kind.code, {}) if snapshot is not None else None
        for d in kind.open_deadlines():
            if seen is not None:
                seen[kind.ident(d.object_id, d.unit_id)] = d.due
            found = current_threshold(kind, d.due, today)
            if found is None:
                continue
            threshold, fire_on = found
            key = kind.key(d.object_id, d.unit_id, d.due, threshold)
            candidates[key] = (
                key,
                kind.code,
                d.object_id,
                d.due,
                threshold,
                fire_on,
                ReminderStatus.PENDING,
                d.unit_id,
                d.escalation_unit_id,
                d.subject[:150],
                d.link[:200],
                now,
            )
    keys = list(candidates)
    for start in range(0, len(keys), 5000):
        planned = Reminder.objects.filter(key__in=keys[start : start + 5000]).values_list("key", flat=True)
        for key in planned:
            del candidates[key]
    # A parallel sweep may insert the same keys meanwhile: the unique key skips them.
    return len(bulk_insert_new(Reminder, REMINDER_FIELDS, candidates.values(), chunk_size=5000))


def _members_by_unit(unit_ids: set[int], roles: set[str]) -> dict[int, list[tuple]]:
    """{unit id: [(user, role), …]} for active users holding one of ``roles`` there (one query)."""
    from accounts.models import Membership

    found: dict[int, list[tuple]] = defaultdict(list)
    memberships = Membership.objects.filter(org_unit_id__in=unit_ids, role__in=roles, user__is_active=True)
    for m in memberships.select_related("user"):
        found[m.org_unit_id].append((m.user, m.role))
    return found


def _users_with(members: list[tuple], roles: frozenset[str]) -> list:
    return list({user.pk: user for user, role in members if role in roles}.values())


def reminders_deliver_batch(*, today: date | None = None, batch_size: int = 2000) -> SweepResult:
    """Claim up to ``batch_size`` due reminders and deliver them, in one transaction.

    A fixed number of statements per batch, whatever its size: notifications and
    escalations are inserted in bulk, duplicates skipped by their unique keys.
    """
    from accounts.models import OrgUnit
    from bullying.deadlines.models import Notification
    from bullying.deadlines.notifications import notify_many

    today = today or today_local()
    result = SweepResult()
    with transaction.atomic():
        batch = list(
            Reminder.objects.select_for_update(skip_locked=True)
            .filter(status=ReminderStatus.PENDING, fire_on__lte=today)
            .order_by("fire_on", "id")[:batch_size]
        )
        if not batch:
            return result
        open_now: dict[str, dict] = {}
        for code in {r.kind for r in batch}:
            kind = _kinds.get(code)
            if kind is None:
                open_now[code] = {}
                continue
            idents = list({kind.ident(r.object_id, r.unit_id) for r in batch if r.kind == code})
            open_now[code] = kind.still_open(idents)
        roles = {role for k in _kinds.values() for role in k.recipient_roles | k.escalation_roles}
        units = {r.unit_id for r in batch} | {r.escalation_unit_id for r in batch if r.escalation_unit_id}
        members = _members_by_unit(units, roles)
        names = dict(OrgUnit.objects.filter(pk__in=units).values_list("pk", "name"))
        sent, cancelled, notifications, escalations = [], [], [], []
        for reminder in batch:
            kind = _kinds.get(reminder.kind)
            if (
                kind is None
                or open_now[reminder.kind].get(kind.ident(reminder.object_id, reminder.unit_id)) != reminder.due_on
            ):
                cancelled.append(reminder.pk)  # done, or its due date moved: a new key plans it
                continue
            text = _message(reminder, today)
            for user in _users_with(members.get(reminder.unit_id, []), kind.recipient_roles):
                notifications.append(
                    Notification(
                        recipient=user,
                        kind=f"reminder:{reminder.kind}",
                        title=text[:200],
                        link=reminder.link,
                        dedupe_key=f"{reminder.key}:{user.pk}"[:200],
                    )
                )
            if reminder.is_overdue_threshold and reminder.escalation_unit_id:
                escalations.append(reminder)
                upper_text = _escalation_message(reminder, today, names.get(reminder.unit_id, ""))
                for user in _users_with(members.get(reminder.escalation_unit_id, []), kind.escalation_roles):
                    notifications.append(
                        Notification(
                            recipient=user,
                            kind=f"escalation:{reminder.kind}",
                            title=upper_text[:200],
                            link=reminder.link,
                            dedupe_key=f"{reminder.key}:up:{user.pk}"[:200],
                        )
                    )
            sent.append(reminder.pk)
        result.notifications = notify_many(notifications)
        result.escalations_opened = _escalations_open(escalations)
        now = timezone.now()
        Reminder.objects.filter(pk__in=sent).update(status=ReminderStatus.SENT, sent_at=now)
        Reminder.objects.filter(pk__in=cancelled).update(status=ReminderStatus.CANCELLED)
        result.delivered, result.cancelled = len(sent), len(cancelled)
    return result


def _escalations_open(reminders: list[Reminder]) -> int:
    """Open one 督办 item per overdue deadline that has none open yet: the partial unique
    index skips those already open, also when a parallel sweep opened one first."""
    now = timezone.now()
    rows = {
        (r.kind, r.object_id, r.unit_id): (
            r.kind,
            r.object_id,
            r.unit_id,
            r.escalation_unit_id,
            r.due_on,
            r.subject,
            r.link,
            now,
        )
        for r in reminders
    }
    fields = ["kind", "object_id", "unit_id", "escalation_unit_id", "due_on", "subject", "link", "opened_at"]
    return len(bulk_insert_new(Escalation, fields, rows.values()))


def escalations_resolve(*, today: date | None = None, snapshot: OpenSnapshot | None = None) -> int:
    """Close 督办 items whose deadline is done (or moved out of overdue).

    With a ``snapshot`` of the open deadlines (the sweep's own, read by the plan) no kind is
    asked again; items opened after the snapshot was taken are left to the next sweep.
    """
    today = today or today_local()
    resolved = 0
    for code, kind in _kinds.items():
        open_items = Escalation.objects.filter(kind=code, resolved_at__isnull=True)
        if snapshot is not None:
            open_items = open_items.filter(opened_at__lte=snapshot.taken_at)
        open_rows = list(open_items.values_list("pk", "object_id", "unit_id"))
        if not open_rows:
            continue
        idents = {pk: kind.ident(object_id, unit_id) for pk, object_id, unit_id in open_rows}
        if snapshot is not None and code in snapshot.due:
            still = snapshot.due[code]
        else:
            still = kind.still_open(list(set(idents.values())))
        done = [pk for pk, ident in idents.items() if still.get(ident) is None or still[ident] >= today]
        for start in range(0, len(done), 5000):
            resolved += Escalation.objects.filter(pk__in=done[start : start + 5000], resolved_at__isnull=True).update(
                resolved_at=timezone.now()
            )
    return resolved


def reminders_sweep(*, today: date | None = None, batch_size: int = 2000) -> SweepResult:
    """One full sweep: plan, deliver every due batch, resolve escalations."""
    today = today or today_local()
    snapshot = OpenSnapshot(taken_at=timezone.now())
    total = SweepResult(planned=reminders_plan(today=today, snapshot=snapshot))
    while True:
        batch = reminders_deliver_batch(today=today, batch_size=batch_size)
        if not (batch.delivered or batch.cancelled):
            break
        total.delivered += batch.delivered
        total.cancelled += batch.cancelled
        total.notifications += batch.notifications
        total.escalations_opened += batch.escalations_opened
    total.escalations_resolved = escalations_resolve(today=today, snapshot=snapshot)
    return total
