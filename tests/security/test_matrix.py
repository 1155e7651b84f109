"""The permission matrix: every endpoint × method × role × scope, from ONE policy table.

``POLICY`` below is the declared access policy. Each row is one endpoint and method (API
or HTML page) and says:

* ``on``   — what object it acts on (a key of ``tests.security.world``), or nothing;
* ``see``  — which roles may see such an object *inside their subtree* (everyone else,
             and everyone for an object outside their subtree, gets ``hidden``: 404);
* ``do``   — which of those may perform the request (the others get ``denied``: 403);
* ``gate`` — roles checked before the object is looked up (others get ``denied``
             whatever the object), for endpoints that refuse by role first;
* ``items``— for lists and counts: which recorded objects the answer must contain,
             compared with the world's own record (never with a selector).

For every row the cells are generated for the ten roles and, when the row acts on an
object, the four scopes: the object in the caller's own school, a sibling school in the
same county, a school of another county, a school of another city. A row whose URL name
is not mounted is skipped and counted. Adding an endpoint is adding ONE row.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.models import Role
from tests.security.matrix_report import MATRIX_STATS
from tests.security.world import CHAIR_OF, png

ROLES = tuple(Role.values)
assert len(ROLES) == 10

# One persona per role. The sysadmin is a county one, so that its scope axis is real.
PERSONA = {
    Role.SCHOOL_STAFF: "staff_a",
    Role.COMMITTEE_MEMBER: "member_a",
    Role.COMMITTEE_CHAIR: "chair_a",
    Role.COUNTY_OFFICER: "officer_x",
    Role.REVIEW_EXPERT: "expert_x",
    Role.CITY_OFFICER: "city_a",
    Role.PROVINCE_OFFICER: "province",
    Role.INSPECTOR: "inspector_a",
    Role.AUDITOR: "auditor",
    Role.SYSADMIN: "sysadmin_x",
}
LEVEL = {
    Role.SCHOOL_STAFF: "school",
    Role.COMMITTEE_MEMBER: "school",
    Role.COMMITTEE_CHAIR: "school",
    Role.COUNTY_OFFICER: "county",
    Role.REVIEW_EXPERT: "county",
    Role.SYSADMIN: "county",
    Role.CITY_OFFICER: "city",
    Role.INSPECTOR: "city",
    Role.PROVINCE_OFFICER: "province",
    Role.AUDITOR: "province",
}
SCOPES = ("own", "sibling", "county", "city")
SCHOOL = {"own": "A", "sibling": "A2", "county": "YS", "city": "ZS"}
# Which of the four schools lie in the subtree of a persona at each level.
SUBTREE = {
    "school": {"own"},
    "county": {"own", "sibling"},
    "city": {"own", "sibling", "county"},
    "province": set(SCOPES),
}

# Role sets used by the table.
ALL = frozenset(ROLES)
NOBODY: frozenset[str] = frozenset()
SCHOOL_ROLES = frozenset({Role.SCHOOL_STAFF, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR})
COMMITTEE = frozenset({Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR})
CHAIR = frozenset({Role.COMMITTEE_CHAIR})
COUNTY = frozenset({Role.COUNTY_OFFICER})
OFFICES = frozenset({Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER})
SYSADMIN = frozenset({Role.SYSADMIN})
UNMASKERS = frozenset({Role.CITY_OFFICER, Role.PROVINCE_OFFICER})
AUDITOR = frozenset({Role.AUDITOR})

# Who sees which kind of object in their subtree (API.md, SECURITY.md).
CASE = SCHOOL_ROLES | OFFICES  # sysadmin, auditor, inspector, expert: no case content
APPEAL = COMMITTEE | COUNTY  # an appeal being handled: the school's committee and its county
APPEAL_FILED = COMMITTEE | OFFICES  # once filed (备案) the offices above read it too
ORG_UNIT = ALL - AUDITOR
DASHBOARD = COMMITTEE | OFFICES
REPORT_AT_COUNTY = SCHOOL_ROLES | COUNTY  # a report reaches only the offices it was sent to
REPORT_AT_CITY = SCHOOL_ROLES | COUNTY | frozenset({Role.CITY_OFFICER})
INSPECTION = COMMITTEE | OFFICES | frozenset({Role.INSPECTOR})
INSPECTOR = frozenset({Role.INSPECTOR})
# Who oversees a unit below them: verifies, reopens, orders rectification, holds to
# account (``selectors.OVERSIGHT_ROLES``, ``oversees``, ``can_verify``).
OVERSIGHT = OFFICES | INSPECTOR
OWN = "own-only"  # objects that belong to one user (notifications)
EVERYWHERE = "everywhere"  # reachable by anyone (lists filtered by a school)


def visible(see, role: str, scope: str) -> bool:
    if see == EVERYWHERE:
        return True
    if see == OWN:
        return scope == "own"
    if callable(see):
        return see(role, scope)
    return role in see and scope in SUBTREE[LEVEL[role]]


def county_programme(role: str, scope: str) -> bool:
    """A campaign or inspection round run by a county office: its subtree reads it, and
    so do the offices above (``campaigns_visible_to``, ``rounds_visible_to``). The own
    and sibling schools share county X, so a school persona sees both."""
    reach = SUBTREE[LEVEL[role]] | ({"own", "sibling"} if LEVEL[role] == "school" else set())
    return role in INSPECTION and scope in reach


def unannounced(role: str, scope: str) -> bool:
    """A supervision still being written (不打招呼): read like any inspection, except by
    the inspected school's own people (``inspections_visible_to``)."""
    return visible(INSPECTION, role, scope) and not (LEVEL[role] == "school" and scope == "own")


def county_in_view(role: str, scope: str) -> bool:
    """The target school's county office is a unit of the caller's subtree (a school's
    people have only their school in view)."""
    return role in INSPECTION and LEVEL[role] != "school" and scope in SUBTREE[LEVEL[role]]


# ---------------------------------------------------------------------------------------
# The table's row type and the small helpers the rows use


@dataclass(frozen=True)
class Row:
    name: str  # URL name, namespaced for pages ("cases:detail"), plain for the API
    method: str
    on: str | None = None  # world object key; None: a collection
    see: object = EVERYWHERE
    do: frozenset = ALL
    gate: frozenset | None = None
    ok: int = 200
    denied: int = 403
    hidden: int = 404
    kwargs: Callable | None = None  # (world, target) → reverse kwargs; default {"pk": target.pk}
    query: Callable | None = None  # (world, target) → query string dict
    body: Callable | None = None  # (world, target) → request body
    effect: Callable | None = None  # (world, target) → snapshot; must change iff allowed
    items: tuple = ()  # ((record kind, see), …) the list must contain exactly
    count_path: tuple = ("count",)  # where a JSON answer keeps its count
    stat: str = ""  # a page's figure: the label under it (the workbench's "办理中")
    note: str = ""

    @property
    def api(self) -> bool:
        return ":" not in self.name and self.name not in ("home",)

    @property
    def label(self) -> str:
        return (
            f"{self.method} {self.name}"
            + (f" on {self.on}" if self.on else "")
            + (f" {self.note}" if self.note else "")
        )


def expected(row: Row, role: str, scope: str | None) -> tuple[int, bool]:
    """(status, whether the request takes effect) for one cell."""
    if row.gate is not None and role not in row.gate:
        return row.denied, False
    if scope is not None and not visible(row.see, role, scope):
        return row.hidden, False
    if role not in row.do:
        return row.denied, False
    return row.ok, True


def pk(world, target):
    return {"pk": target.pk}


def on_case(world, target):
    return {"pk": target.case_id}


def case_snapshot(world, case):
    from cases.models import Case

    fresh = Case.objects.get(pk=case.pk)
    return (fresh.status, fresh.timeline.count(), fresh.attachments.count(), fresh.updated_at)


def measure_snapshot(world, measure):
    from cases.models import Measure

    fresh = Measure.objects.get(pk=measure.pk)
    return (fresh.completed_hours, fresh.completed_on, case_snapshot(world, fresh.case))


def appeal_snapshot(world, appeal):
    from cases.appeals.models import Appeal

    fresh = Appeal.objects.get(pk=appeal.pk)
    return (fresh.status, fresh.updated_at, fresh.panel.count(), case_snapshot(world, fresh.case))


def count_of(model_path: str):
    def snapshot(world, target):
        from django.apps import apps

        return apps.get_model(model_path).objects.count()

    return snapshot


def notification_read(world, notification):
    from bullying.deadlines.models import Notification

    return Notification.objects.get(pk=notification.pk).read_at is not None


def region_rule(world, unit):
    from bullying.deadlines.models import RegionDeadlineSetting

    return list(RegionDeadlineSetting.objects.filter(org_unit=unit).values_list("rule", flat=True))


def calendar_days(world, target):
    from bullying.deadlines.models import CalendarDay

    return sorted(CalendarDay.objects.values_list("date", "kind", "name"))


def report_snapshot(world, report):
    from reporting.models import IncidentReport

    fresh = IncidentReport.objects.get(pk=report.pk)
    return (
        fresh.status,
        fresh.updated_at,
        fresh.hops.count(),
        list(fresh.hops.values_list("acknowledged_at", "forwarded_at")),
    )


def _current_edition_code() -> str:
    from inspections.selectors import current_edition

    return current_edition().code


def inspection_snapshot(world, inspection):
    from inspections.models import Evidence, Inspection

    fresh = Inspection.objects.get(pk=inspection.pk)
    return (
        fresh.status,
        fresh.summary,
        fresh.updated_at,
        sorted(fresh.results.values_list("item__number", "result", "finding")),
        Evidence.objects.filter(result__inspection=fresh).count(),
        fresh.rectifications.count(),
    )


def rectification_snapshot(world, rect):
    from inspections.models import Rectification

    fresh = Rectification.objects.get(pk=rect.pk)
    return (fresh.status, fresh.updated_at, fresh.due_on, fresh.notes.count(), fresh.evidence.count())


def round_published(world, rnd):
    from inspections.models import InspectionRound

    return InspectionRound.objects.get(pk=rnd.pk).published_at


def first_item(inspection) -> int:
    return inspection.results.order_by("item__number").first().item.number


def unordered_item(inspection) -> int:
    """An item the inspection found not met and nobody has ordered rectified yet."""
    ordered = set(inspection.rectifications.values_list("result_id", flat=True))
    rows = inspection.results.filter(result="not_met").exclude(pk__in=ordered).order_by("item__number")
    return rows.first().item.number


def second_task(campaign):
    """The school report of the campaign that the world left unfiled."""
    from tests.security.world import school_tasks

    return school_tasks(campaign)[1]


def county_of(world, school):
    from tests.security.world import COUNTY_OF

    key = next(k for k, unit in world.units.items() if unit.pk == school.pk)
    return world.units[COUNTY_OF[key]]


def perpetrator(case):
    return case.parties.get(role="perpetrator").pk


def panel_members(world, appeal):
    county = {"X": "x", "Y": "y", "Z": "z"}[{"A": "X", "A2": "X", "YS": "Y", "ZS": "Z"}[_school_key(world, appeal)]]
    return [
        (world.users[f"panel_school_{county}"], "school_rep"),
        (world.users[f"panel_parent_{county}"], "parent_rep"),
        (world.users[f"panel_expert_{county}"], "expert"),
    ]


def _school_key(world, appeal) -> str:
    for key, unit in world.units.items():
        if unit.pk == appeal.case.school_id:
            return key
    raise LookupError(appeal)


def new_case_body(world, school):
    return {
        "school": school.pk,
        "occurred_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "location": "走廊",
        "source": "staff",
        "forms": ["verbal"],
        "summary": "起绰号。",
        "parties": [{"role": "victim", "name": "某某"}],
    }


def new_case_form(world, school):
    return {
        "school": str(school.pk),
        "occurred_at": (timezone.localtime() - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M"),
        "location": "走廊",
        "source": "staff",
        "forms": ["verbal"],
        "summary": "起绰号。",
        "on": "",
        "party-TOTAL_FORMS": "1",
        "party-INITIAL_FORMS": "0",
        "party-0-role": "victim",
        "party-0-name": "某某",
    }


def html_panel_form(world, appeal):
    data = {"panel-TOTAL_FORMS": "3", "panel-INITIAL_FORMS": "0", "pd-on": ""}
    for i, (user, kind) in enumerate(panel_members(world, appeal)):
        data[f"panel-{i}-user"] = str(user.pk)
        data[f"panel-{i}-kind"] = kind
    return data


def attachment_file(world, target):
    return {"att-file": png(), "att-description": "照片"}


CASE_ROW = {"see": CASE, "kwargs": pk}
COMMITTEE_STEP = {"see": CASE, "do": COMMITTEE, "effect": case_snapshot}
APPEAL_STEP = {"see": APPEAL, "do": COUNTY, "effect": appeal_snapshot}
EVERY_APPEAL = (
    ("appeal:received", APPEAL),
    ("appeal:reviewing", APPEAL),
    ("appeal:decided", APPEAL),
    ("appeal:filed", APPEAL_FILED),
)

# ---------------------------------------------------------------------------------------
# THE POLICY TABLE

POLICY: list[Row] = [
    # --- the caller and the organisation tree
    Row("me", "GET"),
    Row("schema", "GET"),
    Row("api-docs", "GET"),
    Row("org-unit-list", "GET", on="school", query=lambda w, t: {"q": t.code}, items=(("school", ORG_UNIT),)),
    Row("org-unit-detail", "GET", on="school", see=ORG_UNIT),
    Row("org-unit-detail", "DELETE", on="school", see=ORG_UNIT, do=NOBODY, denied=405, hidden=405),
    Row("accounts:org_units", "GET"),
    Row("accounts:org_unit", "GET", on="school", see=ORG_UNIT),
    Row("accounts:users", "GET", do=SYSADMIN, denied=404),
    Row("accounts:audit", "GET", do=AUDITOR, denied=404),
    Row("home", "GET"),
    # The workbench counts the open cases of the caller's subtree (every case of the
    # world is open); roles without a case panel show no figure at all.
    Row("home", "GET", items=(("case", COMMITTEE | OFFICES),), stat="办理中", note="open cases"),
    # --- cases: lists and counts
    Row("case-list", "GET", items=(("case", CASE),), query=lambda w, t: {"page_size": 200}, note="total"),
    Row("case-list", "GET", on="school", query=lambda w, t: {"school": t.pk}, items=(("case", CASE),)),
    Row("cases:list", "GET", on="school", query=lambda w, t: {"school": t.pk}, items=(("case", CASE),)),
    Row(
        "case-list",
        "GET",
        on="case:determined",
        query=lambda w, t: {"number": t.number},
        items=(("case:determined", CASE),),
        note="search",
    ),
    Row(
        "cases:list",
        "GET",
        on="case:determined",
        query=lambda w, t: {"number": t.number},
        items=(("case:determined", CASE),),
        note="search",
    ),
    # --- cases: intake (refused by role first; another school in the body is a 400)
    Row(
        "case-list",
        "POST",
        on="school",
        gate=SCHOOL_ROLES,
        see=SCHOOL_ROLES,
        ok=201,
        hidden=400,
        body=new_case_body,
        kwargs=lambda w, t: {},
        effect=count_of("cases.Case"),
    ),
    Row("cases:new", "GET", do=SCHOOL_ROLES),
    Row(
        "cases:new",
        "POST",
        on="school",
        gate=SCHOOL_ROLES,
        see=SCHOOL_ROLES,
        ok=302,
        hidden=400,
        body=new_case_form,
        kwargs=lambda w, t: {},
        effect=count_of("cases.Case"),
    ),
    # --- cases: reading
    Row("case-detail", "GET", on="case:determined", **CASE_ROW),
    Row("case-detail", "DELETE", on="case:determined", see=CASE, do=NOBODY, denied=405, hidden=405, kwargs=pk),
    Row("case-detail", "PATCH", on="case:determined", see=CASE, do=NOBODY, denied=405, hidden=405, kwargs=pk),
    Row("case-timeline", "GET", on="case:handling", **CASE_ROW),
    Row("case-measures", "GET", on="case:handling", **CASE_ROW),
    Row("case-pdf", "GET", on="case:handling", **CASE_ROW),
    Row(
        "case-attachment",
        "GET",
        on="case_attachment",
        see=CASE,
        kwargs=lambda w, t: {"pk": t.case_id, "attachment_id": t.pk},
    ),
    Row("cases:detail", "GET", on="case:handling", **CASE_ROW),
    Row("cases:pdf", "GET", on="case:handling", **CASE_ROW),
    Row(
        "cases:attachment",
        "GET",
        on="case_attachment",
        see=CASE,
        kwargs=lambda w, t: {"pk": t.case_id, "attachment_id": t.pk},
    ),
    Row("cases:notice_pdf", "GET", on="case:determined", see=CASE, do=COMMITTEE, kwargs=pk),
    # --- purpose-bound unmasking: a city or province official asks, a second one decides
    Row(
        "cases:unmask_request",
        "POST",
        on="case:determined",
        see=CASE,
        do=UNMASKERS,
        ok=302,
        kwargs=pk,
        body=lambda w, t: {"purpose": "核查督办工作需要了解当事学生情况。"},
        effect=lambda w, t: t.unmask_grants.count(),
    ),
    Row("cases:unmask_queue", "GET", do=UNMASKERS, denied=404),
    Row(
        "cases:unmask_decide",
        "POST",
        on="unmask_grant",
        see=UNMASKERS,
        do=UNMASKERS,
        ok=302,
        kwargs=lambda w, t: {"grant_id": t.pk},
        body=lambda w, t: {"decision": "approve", "note": "同意。"},
        effect=lambda w, t: type(t).objects.get(pk=t.pk).status,
    ),
    # --- cases: workflow steps (API)
    Row("case-start-investigation", "POST", on="case:reported", body=lambda w, t: {}, **COMMITTEE_STEP),
    Row(
        "case-determine",
        "POST",
        on="case:investigating",
        body=lambda w, t: {"is_bullying": True, "severity": "minor", "reasoning": "属实。"},
        **COMMITTEE_STEP,
    ),
    Row("case-sign-off", "POST", on="case:determined_unsigned", see=CASE, do=CHAIR, effect=case_snapshot),
    Row(
        "case-measures",
        "POST",
        on="case:determined",
        ok=201,
        body=lambda w, t: {"kind": "criticism", "party": perpetrator(t), "responsible": "班主任"},
        **COMMITTEE_STEP,
    ),
    Row(
        "case-measure-progress",
        "POST",
        on="measure",
        see=CASE,
        do=COMMITTEE,
        kwargs=lambda w, t: {"pk": t.case_id, "measure_id": t.pk},
        body=lambda w, t: {"completed_hours": 1},
        effect=measure_snapshot,
    ),
    Row(
        "case-parent-notices",
        "POST",
        on="case:determined",
        ok=201,
        body=lambda w, t: {"direction": "to_parents", "method": "phone", "guardian": "母亲"},
        **COMMITTEE_STEP,
    ),
    Row("case-start-follow-up", "POST", on="case:handling", body=lambda w, t: {}, **COMMITTEE_STEP),
    Row("case-follow-ups", "POST", on="case:handling", ok=201, body=lambda w, t: {"note": "好转。"}, **COMMITTEE_STEP),
    Row("case-close", "POST", on="case:follow_up", body=lambda w, t: {"summary": "结案。"}, **COMMITTEE_STEP),
    # --- cases: workflow steps (pages; a done step redirects to the case)
    Row(
        "cases:step",
        "POST",
        on="case:reported",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "start"},
        body=lambda w, t: {"start-on": ""},
        note="start",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:step",
        "POST",
        on="case:investigating",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "determine"},
        body=lambda w, t: {"det-is_bullying": "true", "det-severity": "minor", "det-reasoning": "属实。"},
        note="determine",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:step",
        "POST",
        on="case:determined_unsigned",
        see=CASE,
        do=CHAIR,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "sign_off"},
        effect=case_snapshot,
        note="sign_off",
    ),
    Row(
        "cases:step",
        "POST",
        on="case:determined",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "measure"},
        body=lambda w, t: {
            "measure-kind": "criticism",
            "measure-party": str(perpetrator(t)),
            "measure-responsible": "班主任",
        },
        note="measure",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:step",
        "POST",
        on="case:determined",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "notice"},
        body=lambda w, t: {"notice-direction": "to_parents", "notice-method": "phone", "notice-guardian": "母亲"},
        note="notice",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:step",
        "POST",
        on="case:handling",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "start_follow_up"},
        body=lambda w, t: {"fus-on": ""},
        note="start_follow_up",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:step",
        "POST",
        on="case:handling",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "follow_up"},
        body=lambda w, t: {"fu-note": "好转。"},
        note="follow_up",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:step",
        "POST",
        on="case:follow_up",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "close"},
        body=lambda w, t: {"close-summary": "结案。"},
        note="close",
        **COMMITTEE_STEP,
    ),
    Row(
        "cases:measure_progress",
        "POST",
        on="measure",
        see=CASE,
        do=COMMITTEE,
        ok=302,
        kwargs=lambda w, t: {"pk": t.case_id, "measure_id": t.pk},
        body=lambda w, t: {"prog-completed_hours": "1"},
        effect=measure_snapshot,
    ),
    Row(
        "cases:attachment_upload",
        "POST",
        on="case:determined",
        see=CASE,
        do=SCHOOL_ROLES,
        ok=302,
        kwargs=pk,
        body=attachment_file,
        effect=case_snapshot,
    ),
    # --- appeals (API)
    Row("appeal-list", "GET", items=EVERY_APPEAL, query=lambda w, t: {"page_size": 200}, note="total"),
    Row(
        "appeal-list",
        "GET",
        on="appeal:received",
        query=lambda w, t: {"case": t.case_id},
        items=(("appeal:received", APPEAL),),
    ),
    Row(
        "appeal-list",
        "GET",
        on="appeal:filed",
        query=lambda w, t: {"case": t.case_id},
        items=(("appeal:filed", APPEAL_FILED),),
    ),
    Row("appeal-detail", "GET", on="appeal:received", see=APPEAL, kwargs=pk),
    Row("appeal-detail", "GET", on="appeal:filed", see=APPEAL_FILED, kwargs=pk),
    Row("appeal-notice", "GET", on="appeal:filed", see=APPEAL_FILED, kwargs=pk),
    Row(
        "appeal-attachment",
        "GET",
        on="appeal_attachment",
        see=APPEAL,
        kwargs=lambda w, t: {"pk": t.appeal_id, "attachment_id": t.pk},
    ),
    Row(
        "appeal-list",
        "POST",
        on="case:determined",
        see=CASE,
        do=COMMITTEE | COUNTY,
        ok=201,
        hidden=400,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"case": t.pk, "appellant_name": "申诉人", "appellant_relation": "母亲", "grounds": "异议。"},
        effect=count_of("appeals.Appeal"),
    ),
    Row("appeal-accept-review", "POST", on="appeal:received", body=lambda w, t: {}, **APPEAL_STEP),
    Row("appeal-uphold", "POST", on="appeal:received", body=lambda w, t: {}, **APPEAL_STEP),
    Row(
        "appeal-refer-legal",
        "POST",
        on="appeal:received",
        body=lambda w, t: {"legal_route": "court"},
        **APPEAL_STEP,
    ),
    Row(
        "appeal-panel",
        "POST",
        on="appeal:reviewing",
        body=lambda w, t: {"members": [{"user": u.pk, "kind": k} for u, k in reversed(panel_members(w, t))][:3]},
        **APPEAL_STEP,
    ),
    Row(
        "appeal-decide",
        "POST",
        on="appeal:reviewing",
        body=lambda w, t: {"is_bullying": True, "severity": "minor", "opinion": "维持。"},
        **APPEAL_STEP,
    ),
    Row("appeal-file", "POST", on="appeal:decided", body=lambda w, t: {}, **APPEAL_STEP),
    Row("appeal-detail", "DELETE", on="appeal:received", see=APPEAL, do=NOBODY, denied=405, hidden=405, kwargs=pk),
    # --- appeals (pages)
    Row("appeals:list", "GET", items=EVERY_APPEAL, note="total"),
    Row("appeals:detail", "GET", on="appeal:received", see=APPEAL, kwargs=pk),
    Row("appeals:detail", "GET", on="appeal:filed", see=APPEAL_FILED, kwargs=pk),
    Row("appeals:notice_pdf", "GET", on="appeal:filed", see=APPEAL_FILED, kwargs=pk),
    Row(
        "appeals:attachment",
        "GET",
        on="appeal_attachment",
        see=APPEAL,
        kwargs=lambda w, t: {"pk": t.appeal_id, "attachment_id": t.pk},
    ),
    Row("appeals:new", "GET", on="case:determined", see=CASE, do=COMMITTEE | COUNTY, kwargs=pk),
    Row(
        "appeals:new",
        "POST",
        on="case:determined",
        see=CASE,
        do=COMMITTEE | COUNTY,
        ok=302,
        kwargs=pk,
        body=lambda w, t: {"appellant_name": "申诉人", "appellant_relation": "母亲", "grounds": "异议。"},
        effect=count_of("appeals.Appeal"),
    ),
    Row(
        "appeals:step",
        "POST",
        on="appeal:received",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "accept_review"},
        body=lambda w, t: {"acc-reasons": "受理。"},
        note="accept_review",
        **APPEAL_STEP,
    ),
    Row(
        "appeals:step",
        "POST",
        on="appeal:received",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "uphold"},
        body=lambda w, t: {"uph-reasons": "维持。"},
        note="uphold",
        **APPEAL_STEP,
    ),
    Row(
        "appeals:step",
        "POST",
        on="appeal:received",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "refer_legal"},
        body=lambda w, t: {"ref-reasons": "诉讼中。", "ref-legal_route": "court"},
        note="refer_legal",
        **APPEAL_STEP,
    ),
    Row(
        "appeals:step",
        "POST",
        on="appeal:reviewing",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "panel"},
        body=html_panel_form,
        note="panel",
        **APPEAL_STEP,
    ),
    Row(
        "appeals:step",
        "POST",
        on="appeal:reviewing",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "decide"},
        body=lambda w, t: {
            "dec-is_bullying": "true",
            "dec-severity": "minor",
            "dec-opinion": "维持。",
            "dec-agreed_by": [str(u.pk) for u, _ in panel_members(w, t)],
        },
        note="decide",
        **APPEAL_STEP,
    ),
    Row(
        "appeals:step",
        "POST",
        on="appeal:decided",
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "file"},
        body=lambda w, t: {"file-note": "备案。"},
        note="file",
        **APPEAL_STEP,
    ),
    # --- notifications: only one's own
    Row("notification-list", "GET", items=(("notification", OWN),), note="total"),
    Row(
        "notification-read",
        "POST",
        on="notification",
        see=OWN,
        hidden=200,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"ids": [t.pk]},
        effect=notification_read,
    ),
    Row("notifications:list", "GET"),
    Row("notifications:open", "GET", on="notification", see=OWN, ok=302, kwargs=pk, effect=notification_read),
    Row("notifications:read_all", "POST", ok=302),
    Row("notifications:escalations", "GET"),
    # --- the statutory calendar: only a sysadmin writes, and only in their subtree
    Row("calendar:index", "GET"),
    Row("calendar:day_edit", "GET", do=SYSADMIN, denied=404),
    Row(
        "calendar:day_edit",
        "POST",
        do=SYSADMIN,
        denied=404,
        ok=302,
        body=lambda w, t: {"date": "2031-10-01", "kind": "holiday", "name": "国庆节"},
        effect=calendar_days,
    ),
    Row("calendar:bulk", "GET", do=SYSADMIN, denied=404),
    Row(
        "calendar:rule_set",
        "POST",
        on="school",
        gate=SYSADMIN,
        see=SYSADMIN,
        denied=404,
        ok=302,
        hidden=302,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"org_code": t.code, "rule": "working_days"},
        effect=region_rule,
    ),
    # --- reporting: incident reports climb the chain; dashboards count the subtree
    Row(
        "incident-report-list",
        "GET",
        items=(
            ("report:county", REPORT_AT_COUNTY),
            ("report:county_acknowledged", REPORT_AT_COUNTY),
            ("report:city", REPORT_AT_CITY),
        ),
        note="total",
    ),
    Row("incident-report-detail", "GET", on="report:county", see=REPORT_AT_COUNTY, kwargs=pk),
    Row("incident-report-detail", "GET", on="report:city", see=REPORT_AT_CITY, kwargs=pk),
    Row(
        "incident-report-list",
        "POST",
        on="case:determined",
        gate=SCHOOL_ROLES,
        see=CASE,
        do=COMMITTEE,
        ok=201,
        hidden=400,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"case": t.pk, "kind": "initial", "content": "初报。"},
        effect=count_of("reporting.IncidentReport"),
    ),
    Row(
        "incident-report-acknowledge",
        "POST",
        on="report:county",
        see=REPORT_AT_COUNTY,
        do=COUNTY,
        body=lambda w, t: {},
        effect=report_snapshot,
        kwargs=pk,
    ),
    Row(
        "incident-report-forward",
        "POST",
        on="report:county_acknowledged",
        see=REPORT_AT_COUNTY,
        do=COUNTY,
        body=lambda w, t: {"note": "已督促学校处置。"},
        effect=report_snapshot,
        kwargs=pk,
    ),
    Row(
        "api-dashboard",
        "GET",
        on="school",
        see=DASHBOARD,
        query=lambda w, t: {"org_unit": t.pk},
        items=(("case", DASHBOARD),),
        count_path=("cases", "total"),
        kwargs=lambda w, t: {},
    ),
    Row(
        "api-dashboard",
        "GET",
        do=DASHBOARD,
        items=(("case", DASHBOARD),),
        count_path=("cases", "total"),
        note="of the caller's top unit",
    ),
    Row(
        "reporting:dashboard",
        "GET",
        on="school",
        see=DASHBOARD,
        query=lambda w, t: {"org_unit": t.pk},
        kwargs=lambda w, t: {},
    ),
    Row(
        "reporting:dashboard_export",
        "GET",
        on="school",
        see=DASHBOARD,
        query=lambda w, t: {"org_unit": t.pk},
        kwargs=lambda w, t: {},
    ),
    Row(
        "reporting:summary_pdf",
        "GET",
        on="school",
        see=DASHBOARD,
        query=lambda w, t: {"org_unit": t.pk},
        kwargs=lambda w, t: {},
    ),
    Row("reporting:statistics", "GET", on="school", see=DASHBOARD, query=lambda w, t: {"org_unit": t.pk}),
    Row("reporting:statistics_export", "GET", on="school", see=DASHBOARD, query=lambda w, t: {"org_unit": t.pk}),
    Row(
        "reporting:report_list",
        "GET",
        items=(
            ("report:county", REPORT_AT_COUNTY),
            ("report:county_acknowledged", REPORT_AT_COUNTY),
            ("report:city", REPORT_AT_CITY),
        ),
        note="total",
    ),
    Row(
        "reporting:report_new",
        "GET",
        on="case:determined",
        see=CASE,
        do=COMMITTEE,
        query=lambda w, t: {"case": t.pk},
        kwargs=lambda w, t: {},
    ),
    Row("reporting:report_detail", "GET", on="report:county", see=REPORT_AT_COUNTY, kwargs=pk),
    Row(
        "reporting:report_step",
        "POST",
        on="report:county",
        see=REPORT_AT_COUNTY,
        do=COUNTY,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "acknowledge"},
        body=lambda w, t: {"ack-note": "已阅。"},
        effect=report_snapshot,
        note="acknowledge",
    ),
    Row(
        "reporting:report_step",
        "POST",
        on="report:county_acknowledged",
        see=REPORT_AT_COUNTY,
        do=COUNTY,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "forward"},
        body=lambda w, t: {"fwd-note": "已督促学校处置。"},
        effect=report_snapshot,
        note="forward",
    ),
    # --- inspections: the 50 items are public to every signed-in user; records by subtree
    Row("policy-item-list", "GET"),
    Row("inspections:policy_list", "GET"),
    Row(
        "inspection-list",
        "GET",
        query=lambda w, t: {"page_size": 200},
        items=(("inspection", INSPECTION), ("supervision:draft", unannounced)),
        note="total",
    ),
    Row("inspection-detail", "GET", on="inspection", see=INSPECTION, kwargs=pk),
    Row("inspection-pdf", "GET", on="inspection", see=INSPECTION, kwargs=pk),
    Row("inspection-items", "GET", on="inspection", see=INSPECTION, kwargs=pk),
    Row(
        "inspection-item",
        "GET",
        on="inspection",
        see=INSPECTION,
        kwargs=lambda w, t: {"pk": t.pk, "number": t.results.order_by("item__number").first().item.number},
    ),
    Row("inspections:pdf", "GET", on="inspection", see=INSPECTION, kwargs=pk),
    Row("inspection-export", "GET"),
    Row("inspection-league", "GET", query=lambda w, t: {"level": "school"}),
    Row("policy-item-detail", "GET", kwargs=lambda w, t: {"number": 1}),
    Row("policy-edition-list", "GET"),
    Row("inspections:list", "GET"),
    Row("inspections:new", "GET", do=CHAIR | OFFICES | frozenset({Role.INSPECTOR})),
    Row("inspections:rectifications", "GET"),
    Row("inspections:campaigns", "GET"),
    Row("inspections:rounds", "GET"),
    Row("inspections:accountability", "GET"),
    Row("inspections:league", "GET"),
    Row("inspections:export", "GET"),
    Row(
        "rectification-list",
        "GET",
        query=lambda w, t: {"page_size": 200},
        items=(("rectification", INSPECTION),),
        note="total",
    ),
    Row("campaign-list", "GET"),
    Row("inspection-round-list", "GET"),
    Row("accountability-list", "GET", items=(("accountability", INSPECTION),), note="total"),
    Row("accountability-detail", "GET", on="accountability", see=INSPECTION, kwargs=pk),
    Row("campaign-detail", "GET", on="campaign", see=county_programme, kwargs=pk),
    Row("inspections:campaign", "GET", on="campaign", see=county_programme, kwargs=pk),
    Row("inspection-round-detail", "GET", on="round", see=county_programme, kwargs=pk),
    Row("inspections:round", "GET", on="round", see=county_programme, kwargs=pk),
    Row("policy-edition-detail", "GET", kwargs=lambda w, t: {"code": _current_edition_code()}),
    Row("inspections:detail", "GET", on="inspection", see=INSPECTION, kwargs=pk),
    Row("inspection-detail", "GET", on="supervision:draft", see=unannounced, kwargs=pk),
    Row("inspections:detail", "GET", on="supervision:draft", see=unannounced, kwargs=pk),
    # --- inspections: opening one. A self-check is made by the unit itself (the school's
    # committee chair), a supervision by an inspector of an office above (``acts_for``,
    # ``supervising_office``); a unit out of view is 404.
    Row(
        "inspection-list",
        "POST",
        on="school",
        see=INSPECTION,
        do=CHAIR,
        ok=201,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"target": t.pk, "kind": "self_check"},
        effect=count_of("inspections.Inspection"),
        note="self_check",
    ),
    Row(
        "inspection-list",
        "POST",
        on="school",
        see=INSPECTION,
        do=INSPECTOR,
        ok=201,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"target": t.pk, "kind": "supervision"},
        effect=count_of("inspections.Inspection"),
        note="supervision",
    ),
    # The page offers as targets only the units the caller may inspect: any other is not
    # a choice of the form (400); a caller who may inspect nothing is refused (403).
    Row(
        "inspections:new",
        "POST",
        on="school",
        gate=CHAIR | OVERSIGHT,
        see=CHAIR,
        do=CHAIR,
        ok=302,
        hidden=400,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"kind": "self_check", "target": str(t.pk)},
        effect=count_of("inspections.Inspection"),
        note="self_check",
    ),
    Row(
        "inspections:new",
        "POST",
        on="school",
        gate=CHAIR | OVERSIGHT,
        see=INSPECTOR,
        do=INSPECTOR,
        ok=302,
        hidden=400,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"kind": "supervision", "target": str(t.pk)},
        effect=count_of("inspections.Inspection"),
        note="supervision",
    ),
    # --- inspections: filling one in (``can_edit_inspection``). The world's self-check is
    # a draft with every item answered; its supervision by the city's inspector a draft.
    Row(
        "inspection-detail",
        "PATCH",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        kwargs=pk,
        body=lambda w, t: {"summary": "制度健全，落实到位。"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspection-item",
        "PUT",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {"result": "partly_met", "finding": "部分落实。"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspection-item",
        "PATCH",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {"finding": "已建立台账。"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspection-item",
        "PUT",
        on="supervision:draft",
        see=unannounced,
        do=INSPECTOR,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {"result": "not_met", "finding": "未建立台账。"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspection-add-evidence",
        "POST",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        ok=201,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {"file": png(), "description": "制度文本"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspection-evidence",
        "GET",
        on="inspection_evidence",
        see=INSPECTION,
        kwargs=lambda w, t: {"pk": t.result.inspection_id, "evidence_id": t.pk},
    ),
    Row("inspection-submit", "POST", on="inspection", see=INSPECTION, do=CHAIR, kwargs=pk, effect=inspection_snapshot),
    Row(
        "inspections:header",
        "POST",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        ok=302,
        kwargs=pk,
        body=lambda w, t: {"head-summary": "制度健全，落实到位。", "head-inspected_on": t.inspected_on.isoformat()},
        effect=inspection_snapshot,
    ),
    Row(
        "inspections:item",
        "POST",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {f"i{first_item(t)}-result": "partly_met", f"i{first_item(t)}-finding": "部分落实。"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspections:item",
        "POST",
        on="supervision:draft",
        see=unannounced,
        do=INSPECTOR,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {f"i{first_item(t)}-result": "not_met", f"i{first_item(t)}-finding": "未建立台账。"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspections:evidence_upload",
        "POST",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "number": first_item(t)},
        body=lambda w, t: {f"ev{first_item(t)}-file": png(), f"ev{first_item(t)}-description": "制度文本"},
        effect=inspection_snapshot,
    ),
    Row(
        "inspections:evidence",
        "GET",
        on="inspection_evidence",
        see=INSPECTION,
        kwargs=lambda w, t: {"pk": t.result.inspection_id, "evidence_id": t.pk},
    ),
    Row(
        "inspections:submit",
        "POST",
        on="inspection",
        see=INSPECTION,
        do=CHAIR,
        ok=302,
        kwargs=pk,
        effect=inspection_snapshot,
    ),
    # --- rectification (整改): ordered from above on a submitted inspection; the unit
    # reports progress and completion and uploads proof; 复查验收 and reopening are for an
    # office or inspector above, never the unit itself (``can_verify``).
    Row(
        "rectification-list",
        "POST",
        on="inspection:submitted",
        see=INSPECTION,
        do=OVERSIGHT,
        ok=201,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"inspection": t.pk, "item": unordered_item(t), "requirement": "限期整改。", "days": 30},
        effect=inspection_snapshot,
    ),
    Row(
        "inspections:rectify",
        "POST",
        on="inspection:submitted",
        see=INSPECTION,
        do=OVERSIGHT,
        ok=302,
        kwargs=pk,
        body=lambda w, t: {
            "rect-number": str(unordered_item(t)),
            "rect-unit": str(t.target_id),
            "rect-requirement": "限期整改。",
            "rect-days": "30",
        },
        effect=inspection_snapshot,
    ),
    Row("rectification-detail", "GET", on="rectification:open", see=INSPECTION, kwargs=pk),
    Row("inspections:rectification", "GET", on="rectification:open", see=INSPECTION, kwargs=pk),
    Row(
        "rectification-progress",
        "POST",
        on="rectification:open",
        see=INSPECTION,
        do=CHAIR | OVERSIGHT,
        ok=201,
        kwargs=pk,
        body=lambda w, t: {"text": "已召开专题会议。"},
        effect=rectification_snapshot,
    ),
    Row(
        "rectification-complete",
        "POST",
        on="rectification:open",
        see=INSPECTION,
        do=CHAIR,
        kwargs=pk,
        body=lambda w, t: {"text": "已建立制度。"},
        effect=rectification_snapshot,
    ),
    Row(
        "rectification-add-evidence",
        "POST",
        on="rectification:open",
        see=INSPECTION,
        do=CHAIR,
        ok=201,
        kwargs=pk,
        body=lambda w, t: {"file": png(), "description": "整改照片"},
        effect=rectification_snapshot,
    ),
    Row(
        "rectification-verify",
        "POST",
        on="rectification:completed",
        see=INSPECTION,
        do=OVERSIGHT,
        kwargs=pk,
        body=lambda w, t: {"text": "复查验收通过。"},
        effect=rectification_snapshot,
    ),
    Row(
        "rectification-reopen",
        "POST",
        on="rectification:completed",
        see=INSPECTION,
        do=OVERSIGHT,
        kwargs=pk,
        body=lambda w, t: {"text": "制度未印发，退回。", "days": 10},
        effect=rectification_snapshot,
    ),
    Row(
        "rectification-evidence",
        "GET",
        on="rectification_evidence",
        see=INSPECTION,
        kwargs=lambda w, t: {"pk": t.rectification_id, "evidence_id": t.pk},
    ),
    Row(
        "inspections:rectification_step",
        "POST",
        on="rectification:open",
        see=INSPECTION,
        do=CHAIR | OVERSIGHT,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "progress"},
        body=lambda w, t: {"progress-text": "已召开专题会议。"},
        effect=rectification_snapshot,
        note="progress",
    ),
    Row(
        "inspections:rectification_step",
        "POST",
        on="rectification:open",
        see=INSPECTION,
        do=CHAIR,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "complete"},
        body=lambda w, t: {"complete-text": "已建立制度。"},
        effect=rectification_snapshot,
        note="complete",
    ),
    Row(
        "inspections:rectification_step",
        "POST",
        on="rectification:completed",
        see=INSPECTION,
        do=OVERSIGHT,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "verify"},
        body=lambda w, t: {"verify-text": "复查验收通过。"},
        effect=rectification_snapshot,
        note="verify",
    ),
    Row(
        "inspections:rectification_step",
        "POST",
        on="rectification:completed",
        see=INSPECTION,
        do=OVERSIGHT,
        ok=302,
        kwargs=lambda w, t: {"pk": t.pk, "step": "reopen"},
        body=lambda w, t: {"reopen-text": "制度未印发，退回。", "reopen-days": "10"},
        effect=rectification_snapshot,
        note="reopen",
    ),
    # The page refuses an upload with a message and the same redirect (``_refused``);
    # that nothing was stored is what tells.
    Row(
        "inspections:rectification_upload",
        "POST",
        on="rectification:open",
        see=INSPECTION,
        do=CHAIR,
        ok=302,
        denied=302,
        kwargs=pk,
        body=lambda w, t: {"ev-file": png(), "ev-description": "整改照片"},
        effect=rectification_snapshot,
    ),
    Row(
        "inspections:rectification_evidence",
        "GET",
        on="rectification_evidence",
        see=INSPECTION,
        kwargs=lambda w, t: {"pk": t.rectification_id, "evidence_id": t.pk},
    ),
    # --- accountability (问责) of a unit by an office or inspector above it
    Row(
        "accountability-list",
        "POST",
        on="inspection:submitted",
        see=INSPECTION,
        do=OVERSIGHT,
        ok=201,
        kwargs=lambda w, t: {},
        body=lambda w, t: {"unit": t.target_id, "kind": "interview", "reason": "整改不力。", "inspection": t.pk},
        effect=count_of("inspections.AccountabilityMeasure"),
    ),
    Row(
        "inspections:accountability",
        "POST",
        on="inspection:submitted",
        gate=OVERSIGHT,
        see=INSPECTION,
        do=OVERSIGHT,
        ok=302,
        hidden=400,  # a unit the caller may not hold to account is not a choice of the form
        kwargs=lambda w, t: {},
        body=lambda w, t: {
            "unit": str(t.target_id),
            "kind": "interview",
            "reason": "整改不力。",
            "inspection": str(t.pk),
        },
        effect=count_of("inspections.AccountabilityMeasure"),
    ),
    # --- campaigns: organised by an office (or its inspectors) for the units below
    Row(
        "inspections:campaigns",
        "POST",
        do=OVERSIGHT,
        ok=302,
        body=lambda w, t: {"c-year": str(timezone.localdate().year), "c-name": "专项治理"},
        effect=count_of("inspections.Campaign"),
    ),
    # --- campaigns: the completeness of the reports, and a school filing its own report
    # (as its committee chair) to any campaign it takes part in
    Row("campaign-completeness", "GET", on="campaign", see=county_programme, kwargs=pk),
    Row(
        "campaign-submit-task",
        "POST",
        on="campaign",
        see=county_programme,
        do=CHAIR,
        ok=201,
        kwargs=lambda w, t: {"pk": t.pk, "task_id": second_task(t).pk},
        body=lambda w, t: {"unit": w.units["A"].pk, "note": "整改措施已落实。"},
        effect=count_of("inspections.TaskSubmission"),
    ),
    Row(
        "inspections:task_submit",
        "POST",
        on="campaign",
        see=county_programme,
        do=CHAIR,
        ok=302,
        denied=302,  # refused with a message on the campaign page
        kwargs=lambda w, t: {"pk": t.pk, "task_id": second_task(t).pk},
        body=lambda w, t: {
            f"t{second_task(t).pk}-unit": str(w.units["A"].pk),
            f"t{second_task(t).pk}-note": "整改措施已落实。",
        },
        effect=count_of("inspections.TaskSubmission"),
    ),
    # A filed report's file: the campaign in view and the filing unit in the subtree.
    Row(
        "inspections:submission_file",
        "GET",
        on="campaign_submission",
        see=INSPECTION,
        kwargs=lambda w, t: {"pk": t.task.campaign_id, "submission_id": t.pk},
    ),
    # --- rounds: created and published (公布) by the office that runs them, no other
    Row(
        "inspection-round-list",
        "POST",
        on="school",
        see=county_in_view,
        do=COUNTY,
        ok=201,
        kwargs=lambda w, t: {},
        body=lambda w, t: {
            "office": county_of(w, t).pk,
            "title": "秋季督导",
            "starts_on": timezone.localdate().isoformat(),
            "ends_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        effect=count_of("inspections.InspectionRound"),
        note="for the school's county",
    ),
    Row(
        "inspections:rounds",
        "POST",
        on="school",
        gate=OVERSIGHT,
        see=lambda role, scope: role == Role.COUNTY_OFFICER and scope in SUBTREE["county"],
        do=COUNTY,
        ok=302,
        hidden=400,  # the office field offers the caller's own offices only
        kwargs=lambda w, t: {},
        body=lambda w, t: {
            "r-office": str(county_of(w, t).pk),
            "r-title": "秋季督导",
            "r-starts_on": timezone.localdate().isoformat(),
            "r-ends_on": (timezone.localdate() + timedelta(days=30)).isoformat(),
        },
        effect=count_of("inspections.InspectionRound"),
        note="for the school's county",
    ),
    Row(
        "inspection-round-publish",
        "POST",
        on="round",
        see=county_programme,
        do=COUNTY,
        kwargs=pk,
        effect=round_published,
    ),
    Row(
        "inspections:round_publish",
        "POST",
        on="round",
        see=county_programme,
        do=COUNTY,
        ok=302,
        denied=302,  # refused with a message on the round page
        kwargs=pk,
        effect=round_published,
    ),
]

# Mounted URL names deliberately left out of the matrix, each with the reason.
NOT_IN_MATRIX = {
    "accounts:login": "public sign-in page (tests/test_access_policy.py)",
    "accounts:logout": "public sign-out (tests/test_access_policy.py)",
    "accounts:mfa": "second-factor flow (tests/accounts/test_mfa.py)",
    "set_language": "public language switch",
    "healthz": "public health check",
    "auth-token": "public token exchange (tests/accounts/test_tokens.py); fuzzed in test_schemathesis.py",
    "inspections:public_index": "published inspection results are public by policy",
    "inspections:public_round": "published inspection results are public by policy",
    "calendar:day_delete": "sysadmin-only like calendar:day_edit; a 404 for anyone else",
}


# ---------------------------------------------------------------------------------------
# Generating the cells


def _mounted_names() -> set[str]:
    names = set()

    def walk(patterns, namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, ns)
            elif isinstance(entry, URLPattern) and entry.name:
                names.add(f"{namespace}{entry.name}")

    walk(get_resolver().url_patterns)
    return names


MOUNTED = _mounted_names()
ACTIVE = [row for row in POLICY if row.name in MOUNTED]
SKIPPED = sorted({row.label for row in POLICY if row.name not in MOUNTED})
CELLS = [
    pytest.param(row, role, scope, id=f"{row.label}|{role}|{scope or '-'}")
    for row in ACTIVE
    for role in ROLES
    for scope in (SCOPES if row.on else (None,))
]
MATRIX_STATS.update(
    generated=len(CELLS),
    rows=len(ACTIVE),
    skipped_rows=SKIPPED,
    uncovered=sorted(MOUNTED - {row.name for row in POLICY} - set(NOT_IN_MATRIX)),
)


# ---------------------------------------------------------------------------------------
# Running one cell


def _target(world, row: Row, role: str, scope: str | None):
    if row.on is None:
        return None
    if row.on == "notification":
        owner = PERSONA[role] if scope == "own" else CHAIR_OF[SCHOOL[scope]]
        return world.get("notification_of", owner)
    return world.get(row.on, SCHOOL[scope])


def _client(world, row: Row, role: str):
    """The persona's client (built with the world): a token for the API, a signed-in
    session for pages."""
    return world.clients[(PERSONA[role], row.api)]


def _send(client, row: Row, url: str, body):
    method = row.method.lower()
    if row.api:
        if row.method in ("GET", "DELETE"):
            return getattr(client, method)(url)
        if any(hasattr(value, "read") for value in (body or {}).values()):
            return client.post(url, data=body)  # an upload: multipart
        return getattr(client, method)(url, data=json.dumps(body or {}), content_type="application/json")
    if row.method == "GET":
        return client.get(url)
    return client.post(url, data=body or {})


def _expected_items(world, row: Row, role: str, scope: str | None) -> set:
    """What the list must hold, from the world's record and the table alone."""
    wanted: set = set()
    for kind, see in row.items:
        if see == OWN:
            wanted |= {pk for pk, _ in world.record[kind][PERSONA[role]]}
            continue
        for s in SCOPES if scope is None else (scope,):
            if visible(see, role, s):
                wanted |= world.ids(kind, SCHOOL[s]) if row.api else world.labels(kind, SCHOOL[s])
    return wanted


def _check_items(world, row: Row, role: str, scope: str | None, response) -> None:
    wanted = _expected_items(world, row, role, scope)
    if row.api:
        body = response.json()
        count = body
        for key in row.count_path:
            count = count[key]
        assert count == len(wanted), f"count {count} ≠ {len(wanted)} objects in scope"
        if row.count_path == ("count",):
            assert {r["id"] for r in body["results"]} == wanted
        return
    if row.stat:
        figures = re.findall(
            r'<div class="stat"[^>]*>(\d+)</div><div class="stat-label">' + row.stat, response.content.decode()
        )
        shown = any(role in see for _kind, see in row.items if see != OWN)
        assert figures == ([str(len(wanted))] if shown else []), f"{row.stat}: {figures}, {len(wanted)} in scope"
        return
    # Form fields echo the query (a searched case number): only what the page lists counts.
    content = re.sub(r'value="[^"]*"', "", response.content.decode())
    recorded = set().union(*(world.all_labels(kind) for kind, _ in row.items))
    found = {label for label in recorded if label in content}
    assert found == wanted, f"listed {sorted(found)} ≠ in scope {sorted(wanted)}"


def _url(world, row: Row, target) -> str:
    if row.kwargs:
        return reverse(row.name, kwargs=row.kwargs(world, target))
    if target is not None:
        try:
            return reverse(row.name, kwargs={"pk": target.pk})
        except NoReverseMatch:
            pass  # a list filtered by the target: the target goes in the query
    return reverse(row.name)


@pytest.fixture(autouse=True)
def _no_pdf_layout(monkeypatch):
    """Who may have a document is decided before it is laid out, and laying it out
    (WeasyPrint) takes up to a second: here the template is still rendered and parsed,
    the layout is skipped. test_canaries.py reads the real PDFs."""
    import weasyprint

    monkeypatch.setattr(weasyprint.HTML, "write_pdf", lambda self, *args, **kwargs: b"%PDF-1.7\n%layout skipped\n")


@pytest.mark.parametrize(("row", "role", "scope"), CELLS)
def test_cell(world, db, row: Row, role: str, scope: str | None):
    target = _target(world, row, role, scope)
    url = _url(world, row, target)
    if row.query:
        from urllib.parse import urlencode

        url += "?" + urlencode(row.query(world, target))
    body = row.body(world, target) if row.body else None
    before = row.effect(world, target) if row.effect else None

    response = _send(_client(world, row, role), row, url, body)

    status, takes_effect = expected(row, role, scope)
    detail = response.content[:300].decode(errors="replace") if response.status_code != status else ""
    assert response.status_code == status, f"{row.label} as {role} on {scope}: {response.status_code}, {detail}"
    if row.effect:
        changed = row.effect(world, target) != before
        assert changed == takes_effect, f"{row.label} as {role} on {scope}: took effect={changed}"
    if row.items and status == 200:
        _check_items(world, row, role, scope, response)


def test_the_matrix_is_large_and_reports_its_size():
    """The table really generated the matrix (and says how big it is)."""
    print(
        f"\npermission matrix: {len(CELLS)} cells from {len(ACTIVE)} rows; "
        f"{len(SKIPPED)} rows skipped (not mounted): {SKIPPED}"
    )
    assert len(ACTIVE) >= 60
    assert len(CELLS) > 1500
