"""The one place that decides what a viewer sees of a child.

Children's names, student numbers and their guardians are shown only to the handling
school, its county office, the review panel of an appeal on the case, and a city or
province official holding an approved purpose-bound grant (政策清单第33项；山西通知三.3;
``cases.selectors.can_see_names`` is the access fact). Everyone else reads the case
masked: names as ``张**``, no student number, no guardian, and no grade or class (a
quasi-identifier: in a small school "五年级2班" next to ``张**`` names the child).

Free text written by staff (the summary, the reasoning, notes) may still name a child,
so for a masked viewer every party's full name and student number in it is replaced too.
Best effort: a nickname or pinyin spelling is not caught, which is why the forms remind
staff not to write names in free text.

``FIELD_POLICY`` names the decision for every text field of the case, appeal and
reporting models (and inspections fields tied to a case); a test fails when a field has
none. Views, serializers, PDFs, reports and exports build one ``ChildPrivacy`` per
(viewer, case) with ``privacy_for`` and ask it; none of them decides on its own.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from enum import StrEnum
from typing import Any

from django.db import models

from cases import selectors
from cases.models import Case, Party, mask_name


class Kind(StrEnum):
    NAME = "name"  # a child's or a parent's name: 张** when masked
    STUDENT_NO = "student_no"  # left out when masked
    QUASI = "quasi"  # grade, class: left out when masked
    GUARDIAN = "guardian"  # a guardian's name or relation: （已隐去） when masked
    FREE_TEXT = "free_text"  # staff-written text: the parties' names and numbers replaced when masked
    FILE_NAME = "file_name"  # an uploaded file's own name: left out when masked
    STAFF = "staff"  # a staff member's or an office's words about a unit, not a child: shown
    CODE = "code"  # an enum, number, computed text or stored path: no personal data


N, SN, Q, G, T, F, S, C = (
    Kind.NAME,
    Kind.STUDENT_NO,
    Kind.QUASI,
    Kind.GUARDIAN,
    Kind.FREE_TEXT,
    Kind.FILE_NAME,
    Kind.STAFF,
    Kind.CODE,
)

# Every CharField / TextField / JSONField / FileField of the models that hold a case's
# data, with its decision. A field without an entry fails tests/privacy.
FIELD_POLICY: dict[tuple[str, str], Kind] = {
    ("cases.Case", "number"): C,
    ("cases.Case", "status"): C,
    ("cases.Case", "location"): T,
    ("cases.Case", "source"): C,
    ("cases.Case", "forms"): C,
    ("cases.Case", "summary"): T,
    ("cases.Case", "investigation_due_steps"): C,
    ("cases.Case", "closing_summary"): T,
    ("cases.Case", "severity"): C,
    ("cases.Party", "role"): C,
    ("cases.Party", "name"): N,
    ("cases.Party", "student_no"): SN,
    ("cases.Party", "grade"): Q,
    ("cases.Party", "class_name"): Q,
    ("cases.Determination", "members_present_note"): T,
    ("cases.Determination", "severity"): C,
    ("cases.Determination", "reasoning"): T,
    ("cases.Measure", "kind"): C,
    ("cases.Measure", "description"): T,
    # The responsible person and the approving authority are typed by the school and
    # may name a child's relative or class teacher ("甄某班主任"): treated as free text.
    ("cases.Measure", "responsible"): T,
    ("cases.Measure", "approval_authority"): T,
    ("cases.ParentNotice", "direction"): C,
    ("cases.ParentNotice", "method"): C,
    ("cases.ParentNotice", "guardian"): G,
    ("cases.ParentNotice", "content"): T,
    ("cases.FollowUp", "note"): T,
    ("cases.TimelineEntry", "kind"): C,
    ("cases.TimelineEntry", "text"): T,
    ("cases.TimelineEntry", "data"): C,
    ("cases.Attachment", "file"): C,
    ("cases.Attachment", "original_name"): F,
    ("cases.Attachment", "content_type"): C,
    ("cases.Attachment", "description"): T,
    ("cases.UnmaskGrant", "purpose"): T,
    ("cases.UnmaskGrant", "status"): C,
    ("cases.UnmaskGrant", "decision_note"): T,
    ("appeals.Appeal", "number"): C,
    ("appeals.Appeal", "status"): C,
    ("appeals.Appeal", "appellant_name"): N,
    ("appeals.Appeal", "appellant_relation"): T,
    ("appeals.Appeal", "grounds"): T,
    ("appeals.Appeal", "acceptance_reasons"): T,
    ("appeals.Appeal", "legal_route"): C,
    ("appeals.Appeal", "legal_route_note"): T,
    ("appeals.Appeal", "review_due_steps"): C,
    ("appeals.Appeal", "decision_severity"): C,
    ("appeals.Appeal", "decision_opinion"): T,
    ("appeals.Appeal", "agreement_note"): T,
    ("appeals.Appeal", "filing_note"): T,
    ("appeals.PanelMember", "kind"): C,
    ("appeals.AppealAttachment", "file"): C,
    ("appeals.AppealAttachment", "original_name"): F,
    ("appeals.AppealAttachment", "content_type"): C,
    # Reports climb above the county: their text is stored as a masked viewer reads it
    # (reporting.services runs it through ``privacy_masked``), so it is shown as stored.
    ("reporting.IncidentReport", "number"): C,
    ("reporting.IncidentReport", "kind"): C,
    ("reporting.IncidentReport", "status"): C,
    ("reporting.IncidentReport", "content"): T,
    ("reporting.IncidentReport", "severity"): C,
    ("reporting.ReportHop", "note"): T,
    ("reporting.StatReturn", "period"): C,
    ("reporting.StatReturn", "period_label"): C,
    ("reporting.StatReturn", "figures"): C,  # counts only
    ("reporting.StatReturn", "comment"): S,  # about a unit's table, tied to no case
    ("inspections.AccountabilityMeasure", "kind"): C,
    # Published to offices that may not see names: stored masked when it cites a case.
    ("inspections.AccountabilityMeasure", "reason"): T,
}

HIDDEN_GUARDIAN = "（已隐去）"


def policy_of(model: type[models.Model] | models.Model, field: str) -> Kind | None:
    return FIELD_POLICY.get((model._meta.label, field))


class Redactor:
    """Replaces the parties' full names and student numbers in free text.

    Names of one character are left alone: replacing a single character everywhere
    would mangle ordinary words, and such a name is masked in the party table anyway.
    """

    def __init__(self, parties: Iterable[Party]):
        pairs: dict[str, str] = {}
        for party in parties:
            name = (party.name or "").strip()
            if len(name) >= 2:
                pairs[name] = mask_name(name)
            if len(party.student_no or "") >= 4:
                pairs[party.student_no] = "*" * len(party.student_no)
        # Longest first, so "欧阳小明" is replaced before "欧阳".
        self._pairs = pairs
        self._pattern = (
            re.compile("|".join(re.escape(k) for k in sorted(pairs, key=len, reverse=True))) if pairs else None
        )

    def __call__(self, text: str) -> str:
        if not text or self._pattern is None:
            return text or ""
        return self._pattern.sub(lambda m: self._pairs[m.group(0)], text)


class ChildPrivacy:
    """What one viewer sees of one case's children. Build it with ``privacy_for`` (or
    ``privacy_masked`` for documents that leave the school and county), once per page or
    document, and ask it for every value that may identify a child."""

    def __init__(self, case: Case, *, show_names: bool):
        self.case = case
        self.case_id = case.pk
        self.show_names = show_names
        self._redactor: Redactor | None = None

    def __repr__(self) -> str:
        return f"<ChildPrivacy case={self.case_id} show_names={self.show_names}>"

    @property
    def masked(self) -> bool:
        return not self.show_names

    def _redact(self, text: str) -> str:
        if self._redactor is None:
            self._redactor = Redactor(self.case.parties.all())
        return self._redactor(text)

    # -- by kind -------------------------------------------------------------------

    def apply(self, kind: Kind | None, value: Any) -> Any:
        """``value`` of a field of ``kind`` as this viewer may see it. An unknown kind
        (a field without a decision) is treated as free text: fail closed."""
        if self.show_names or kind in (Kind.CODE, Kind.STAFF) or value is None:
            return value
        if not isinstance(value, str):
            return value
        if kind == Kind.NAME:
            return mask_name(value)
        if kind in (Kind.STUDENT_NO, Kind.QUASI, Kind.FILE_NAME):
            return ""
        if kind == Kind.GUARDIAN:
            return HIDDEN_GUARDIAN if value else ""
        return self._redact(value)

    def field(self, obj: models.Model, name: str) -> Any:
        """The field ``name`` of ``obj`` (a case, party, measure, appeal …) as shown."""
        return self.apply(policy_of(obj, name) or Kind.FREE_TEXT, getattr(obj, name))

    def data(self, obj: models.Model, data: dict) -> dict:
        """A serializer's output for ``obj`` with every registered field of it replaced
        by what this viewer may see (keys that are not model fields are left alone)."""
        for key in list(data):
            kind = policy_of(obj, key)
            if kind is not None and kind not in (Kind.CODE, Kind.STAFF):
                data[key] = self.field(obj, key)
        return data

    def wrap(self, obj: Any) -> Any:
        """A read-only view of ``obj`` for templates: registered fields come out as this
        viewer may see them, related case objects are wrapped in turn."""
        if obj is None or isinstance(obj, Presented):
            return obj
        return Presented(obj, self)

    def wrap_all(self, objs: Iterable[Any]) -> list[Any]:
        return [self.wrap(o) for o in objs]

    # -- named helpers ----------------------------------------------------------------

    def text(self, free_text: str) -> str:
        return self.apply(Kind.FREE_TEXT, free_text or "")

    def name(self, party: Party | None) -> str:
        return "" if party is None else self.apply(Kind.NAME, party.name)

    def student_no(self, party: Party | None) -> str:
        return "" if party is None else self.apply(Kind.STUDENT_NO, party.student_no)

    def grade(self, party: Party | None) -> str:
        return "" if party is None else self.apply(Kind.QUASI, party.grade)

    def class_name(self, party: Party | None) -> str:
        return "" if party is None else self.apply(Kind.QUASI, party.class_name)

    def grade_class(self, party: Party | None) -> str:
        """``五年级2班`` for those who see names; nothing for anyone else."""
        return f"{self.grade(party)}{self.class_name(party)}"

    def guardian(self, text: str) -> str:
        return self.apply(Kind.GUARDIAN, text or "")

    def file_name(self, name: str, *, otherwise: str = "") -> str:
        """An uploaded file's own name (which may hold a child's name), or ``otherwise``."""
        return self.apply(Kind.FILE_NAME, name) or otherwise

    def appellant_name(self, appeal: Any) -> str:
        return self.apply(Kind.NAME, appeal.appellant_name)

    def party_label(self, party: Party | None) -> dict | None:
        if party is None:
            return None
        return {"role": party.get_role_display(), "name": self.name(party)}

    def party_row(self, party: Party) -> dict:
        return {
            "role": party.get_role_display(),
            "name": self.name(party),
            "student_no": self.student_no(party),
            "grade": self.grade(party),
            "class_name": self.class_name(party),
            "is_external": party.is_external,
        }


class Presented:
    """A read-only proxy of a model instance for templates (see ``ChildPrivacy.wrap``)."""

    __slots__ = ("_obj", "_privacy")

    def __init__(self, obj: Any, privacy: ChildPrivacy):
        object.__setattr__(self, "_obj", obj)
        object.__setattr__(self, "_privacy", privacy)

    def __getattr__(self, name: str) -> Any:
        obj, privacy = self._obj, self._privacy
        value = getattr(obj, name)
        if isinstance(obj, models.Model):
            kind = policy_of(obj, name)
            if kind is not None:
                return privacy.apply(kind, value)
        if isinstance(value, models.Model) and _has_policy(value):
            return Presented(value, privacy)
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a presented object is read-only")

    def __str__(self) -> str:
        return str(self._obj)

    def __eq__(self, other: object) -> bool:
        return self._obj == unwrap(other)

    def __hash__(self) -> int:
        return hash(self._obj)


_LABELS_WITH_POLICY = {label for label, _ in FIELD_POLICY}


def _has_policy(obj: models.Model) -> bool:
    return obj._meta.label in _LABELS_WITH_POLICY


def unwrap(obj: Any) -> Any:
    """The model instance behind a presented object (for queries and template tags)."""
    return obj._obj if isinstance(obj, Presented) else obj


def privacy_for(viewer: Any, case: Case, *, with_grant: bool = True) -> ChildPrivacy:
    """The presenter of ``case`` for ``viewer``.

    ``with_grant=False`` leaves out the purpose-bound unmask grant: a grant opens the
    case's own pages, not the other records (appeals) that mention its children."""
    case = unwrap(case)
    show = bool(viewer is not None and viewer.is_authenticated) and selectors.can_see_names(
        viewer, case, with_grant=with_grant
    )
    return ChildPrivacy(case, show_names=show)


def privacy_masked(case: Case) -> ChildPrivacy:
    """The presenter of a reader outside the school and county, whoever prints: for what
    leaves them (the notice to parents, the review decision letters, reports to the
    office above)."""
    return ChildPrivacy(unwrap(case), show_names=False)


class PrivacyScope:
    """``privacy_for`` of one viewer over many cases (a list of appeals), one presenter
    per case."""

    def __init__(self, viewer: Any, *, with_grant: bool = True):
        self.viewer = viewer
        self.with_grant = with_grant
        self._by_case: dict[int, ChildPrivacy] = {}

    def __call__(self, case: Case) -> ChildPrivacy:
        privacy = self._by_case.get(case.pk)
        if privacy is None:
            privacy = self._by_case[case.pk] = privacy_for(self.viewer, case, with_grant=self.with_grant)
        return privacy


def case_of(obj: Any) -> Case:
    obj = unwrap(obj)
    return obj if isinstance(obj, Case) else obj.case


def privacy_from_context(context: dict, obj: Any) -> ChildPrivacy:
    """The presenter a serializer was given (``context["privacy"]``: a ``ChildPrivacy`` of
    the object's case or a ``PrivacyScope``); masked when none was given."""
    case = case_of(obj)
    given: ChildPrivacy | Callable[[Case], ChildPrivacy] | None = context.get("privacy")
    if isinstance(given, ChildPrivacy):
        if given.case_id == case.pk:
            return given
    elif callable(given):
        return given(case)
    return privacy_masked(case)
