"""The workflow kernel every app uses: the effective date of a step, locking, the status
check, the compare-and-swap advance, the declared transition table of each model and the
one way to append to a model's timeline.

It imports no app: each app declares its tables next to its models and registers its
timeline writer in its ``AppConfig.ready``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Protocol, TypeVar, cast

from django.db import models
from django.utils import timezone

from bullying.errors import ApplicationError
from bullying.timeutil import today_local

# A step dated before this is a typo (the portal's records start long after it).
DATE_FLOOR = date(2000, 1, 1)

M = TypeVar("M", bound=models.Model)


class Stateful(Protocol):
    """A model instance with a ``status`` field."""

    @property
    def status(self) -> str: ...


# ---------------------------------------------------------------------------------------
# Dates


def effective_date(
    on: date | None,
    *,
    after: date | None = None,
    after_label: str = "上一步骤",
    field: str = "on",
) -> date:
    """The day a step really happened (paper first, system later is normal).

    Defaults to today in Asia/Shanghai; never in the future, never before ``after`` (the
    step it follows), never before ``DATE_FLOOR``.
    """
    today = today_local()
    on = on or today
    if not isinstance(on, date) or isinstance(on, datetime):
        raise ApplicationError("日期格式应为 YYYY-MM-DD。", field=field)
    if on > today:
        raise ApplicationError("日期不能晚于今天。", field=field)
    if after and on < after:
        raise ApplicationError(f"日期不能早于{after_label}（{after:%Y-%m-%d}）。", field=field)
    if on < DATE_FLOOR:
        raise ApplicationError(f"日期不能早于 {DATE_FLOOR:%Y-%m-%d}。", field=field)
    return on


# ---------------------------------------------------------------------------------------
# Locking and state


def lock(queryset_or_model: type[M] | models.QuerySet[M], pk: Any, *, of: tuple[str, ...] = ()) -> M:
    """The row ``pk`` locked for the rest of the transaction (``select_for_update``).

    Pass a queryset to lock with its ``select_related`` joins; ``of=("self",)`` locks only
    the model's own row on PostgreSQL.
    """
    if isinstance(queryset_or_model, models.QuerySet):
        queryset = queryset_or_model
    else:
        queryset = queryset_or_model._default_manager.all()
    return queryset.select_for_update(of=of).get(pk=pk)


def status_message(labels: Mapping[str, Any], current: str, allowed: Iterable[str], action: str, noun: str = "") -> str:
    """“当前状态为“…”，不能{action}（需处于：…）。” with ``noun`` before it (e.g. 申诉)."""
    wanted = "、".join(str(labels.get(s, s)) for s in allowed)
    return f"{noun}当前状态为“{labels.get(current, current)}”，不能{action}（需处于：{wanted}）。"


def require_status(obj: Stateful, allowed: Iterable[str], message: str) -> None:
    """Refuse (``ApplicationError(message)``) unless ``obj.status`` is one of ``allowed``."""
    if obj.status not in set(allowed):
        raise ApplicationError(message)


LOST_RACE = "该事项刚刚已由他人办理，请刷新页面后查看。"


def advance(
    obj: M,
    *,
    to: str | None = None,
    on: date | None = None,
    fields: Mapping[str, Any] | None = None,
) -> M:
    """Write the step's fields, moving ``status`` to ``to`` (if given), as a compare-and-swap.

    The row is updated only if its status is still the one ``obj`` was read with
    (``filter(pk=…, status=old).update(…)``); if another request moved it first, nothing
    is written and ``ApplicationError`` is raised. ``on`` moves ``last_step_on`` forward,
    and ``auto_now`` fields are stamped as ``save()`` would.
    """
    values: dict[str, Any] = dict(fields or {})
    old = cast(Stateful, obj).status
    if to is not None:
        values["status"] = to
    field_names = {f.name for f in obj._meta.concrete_fields}
    if on is not None and "last_step_on" in field_names:
        current = getattr(obj, "last_step_on", None)
        if current is None or on > current:
            values["last_step_on"] = on
    now = timezone.now()
    for f in obj._meta.concrete_fields:
        if getattr(f, "auto_now", False):
            values[f.name] = now
    unknown = set(values) - field_names
    if unknown:
        raise TypeError(f"{type(obj).__name__} has no field(s) {sorted(unknown)}")
    updated = type(obj)._default_manager.filter(pk=obj.pk, status=old).update(**values)
    if updated != 1:
        raise ApplicationError(LOST_RACE)
    for name, value in values.items():
        setattr(obj, name, value)
    return obj


# ---------------------------------------------------------------------------------------
# Transition tables


@dataclass(frozen=True)
class Transition:
    """One step of a model's workflow.

    ``source`` lists the statuses the step may start from; ``target`` is the status it
    moves to (``None``: the step leaves the status alone or the service decides). ``form``
    names the form class in the app's ``forms`` module and ``context_key`` the name the
    page template knows it by. ``guard`` narrows when a page offers the step beyond the
    status (the service still checks the rule itself and explains a refusal).
    ``refusal`` replaces the standard message; ``{status}`` is the current status label.
    """

    name: str
    source: frozenset[str]
    target: str | None
    label: str
    service: str
    form: str = ""
    context_key: str = ""
    roles: frozenset[str] = frozenset()
    refusal: str = ""
    guard: Callable[[Any], bool] | None = field(default=None, compare=False)

    def offered(self, obj: Any) -> bool:
        return obj.status in self.source and (self.guard is None or self.guard(obj))


def transition(
    name: str,
    *,
    source: Iterable[str],
    target: str | None,
    label: str,
    service: str,
    form: str = "",
    context_key: str = "",
    roles: Iterable[str] = (),
    refusal: str = "",
    guard: Callable[[Any], bool] | None = None,
) -> Transition:
    return Transition(
        name=name,
        source=frozenset(str(s) for s in source),
        target=str(target) if target is not None else None,
        label=label,
        service=service,
        form=form,
        context_key=context_key,
        roles=frozenset(str(r) for r in roles),
        refusal=refusal,
        guard=guard,
    )


class TransitionTable:
    """All steps of one model, declared once. Services ``check`` a step before writing,
    views ask which steps a page offers (``offered``), templates read ``visible_forms``."""

    def __init__(
        self,
        model_label: str,
        *,
        statuses: Mapping[str, Any],
        transitions: Iterable[Transition],
        noun: str = "",
    ) -> None:
        self.model_label = model_label
        self.statuses = {str(k): v for k, v in statuses.items()}
        self.noun = noun
        self._steps: dict[str, Transition] = {}
        for t in transitions:
            if t.name in self._steps:
                raise ValueError(f"{model_label}: step {t.name!r} declared twice")
            unknown = (set(t.source) | ({t.target} if t.target else set())) - set(self.statuses)
            if unknown:
                raise ValueError(f"{model_label}.{t.name}: unknown status {sorted(unknown)}")
            self._steps[t.name] = t

    def __getitem__(self, name: str) -> Transition:
        return self._steps[name]

    def __contains__(self, name: object) -> bool:
        return name in self._steps

    def __iter__(self) -> Iterator[Transition]:
        return iter(self._steps.values())

    def get(self, name: str) -> Transition | None:
        return self._steps.get(name)

    def by_context_key(self, key: str) -> Transition | None:
        return next((t for t in self if t.context_key == key), None)

    def refusal(self, obj: Any, name: str) -> str:
        t = self[name]
        current = obj.status
        if t.refusal:
            return t.refusal.format(status=self.statuses.get(current, current))
        ordered = [s for s in self.statuses if s in t.source]
        return status_message(self.statuses, current, ordered, t.label, self.noun)

    def check(self, obj: Any, name: str) -> Transition:
        """Refuse the step unless ``obj`` is in one of its source statuses."""
        t = self[name]
        require_status(obj, t.source, self.refusal(obj, name))
        return t

    def offered(self, obj: Any) -> list[Transition]:
        return [t for t in self if t.offered(obj)]

    def visible_forms(self, obj: Any) -> set[str]:
        """The template context keys of the forms the page offers in ``obj``'s state."""
        return {t.context_key for t in self.offered(obj) if t.context_key}


# ---------------------------------------------------------------------------------------
# Timelines


# ``writer(obj, *, text, actor, on, kind, **data)`` appends one row to ``obj``'s timeline.
TimelineWriter = Callable[..., Any]

_timeline_writers: dict[type[models.Model], TimelineWriter] = {}


def register_timeline(model: type[models.Model], writer: TimelineWriter) -> TimelineWriter:
    """Declare how rows are appended to ``model``'s timeline (``writer(obj, *, text, actor,
    on, kind, **data)``); call it where the app's services are loaded."""
    _timeline_writers[model] = writer
    return writer


def timeline_append(obj: models.Model, *, text: str, actor: Any, on: date | None = None, kind: str, **data: Any) -> Any:
    """Append one entry to ``obj``'s own timeline (case timeline, rectification notes…)."""
    for cls in type(obj).__mro__:
        writer = _timeline_writers.get(cls)
        if writer is not None:
            return writer(obj, text=text, actor=actor, on=on or today_local(), kind=kind, **data)
    raise LookupError(f"no timeline registered for {type(obj).__name__}")
