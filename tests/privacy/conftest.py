"""A world for the privacy presenter's proof, built once per module.

School A (county X, city CA) has two closed cases whose every name-bearing and
free-text field carries canaries: case P with an appeal under review (its panel formed)
and case Q with an appeal decided and filed with the city. The viewers: the school's
committee chair, its county officer, a member of P's review panel, the city officer, the
province officer, and a second city officer holding an approved unmask grant for P.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.api.authentication import token_issue
from accounts.models import OrgUnit, Role
from accounts.services import _Row, org_units_import, user_add
from cases import services
from cases.appeals import services as appeal_services
from cases.models import MeasureKind, PartyRole
from tests.conftest import PASSWORD, TREE
from tests.security.conftest import make_clients, module_transaction
from tests.security.world import UNIT_KEYS, World, _users, png

# Who reads the world, and what the presenter should decide for them (checked too).
VIEWERS = ("chair_a", "officer_x", "panel_expert_x", "city_a", "province", "city_granted")


@dataclass(frozen=True)
class Canaries:
    """The planted values of one case: names, student numbers, grade/class and markers."""

    victim: str
    perpetrator: str
    witness: str
    numbers: tuple[str, str, str]
    grade: str
    class_name: str
    appellant: str
    tag: str  # one letter, so that the markers of the two cases differ

    @property
    def names(self) -> tuple[str, str, str]:
        return (self.victim, self.perpetrator, self.witness)

    def text(self, marker: str) -> str:
        """Free text naming a child (with a student number) and carrying a marker."""
        return f"{self.victim}{self.numbers[0]}{self.tag}{marker}"


P = Canaries("甄小蕾", "贾大宝", "薛明月", ("XS240501", "XS240502", "XS240503"), "七年级", "三班", "甄士隐", "P")
Q = Canaries("柳如烟", "花自芳", "秦钟鸣", ("XS250601", "XS250602", "XS250603"), "八年级", "四班", "柳湘莲", "Q")


def _plant_case(world: World, c: Canaries):
    users, units = world.users, world.units
    chair = users["chair_a"]
    case = services.case_open(
        actor=chair,
        school=units["A"],
        occurred_at=timezone.now() - timedelta(hours=3),
        location=c.text("地点"),
        source="parent",
        forms=["physical"],
        summary=c.text("经过"),
        parties=[
            {"role": role, "name": name, "student_no": no, "grade": c.grade, "class_name": c.class_name}
            for role, name, no in zip(
                (PartyRole.VICTIM, PartyRole.PERPETRATOR, PartyRole.WITNESS), c.names, c.numbers, strict=True
            )
        ],
    )
    services.case_start_investigation(actor=chair, case=case)
    services.case_determine(
        actor=chair,
        case=case,
        is_bullying=True,
        severity="severe",
        reasoning=c.text("理由"),
        members_present_note=c.text("列席"),
    )
    victim = case.parties.get(role=PartyRole.VICTIM)
    perpetrator = case.parties.get(role=PartyRole.PERPETRATOR)
    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.EDUCATION_PLAN,
        party=perpetrator,
        description=c.text("措施"),
        responsible=f"{c.victim}班主任",
        planned_hours=8,
    )
    services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.SPECIALISED_SCHOOL,
        party=perpetrator,
        description=c.text("转学"),
        responsible="德育主任",
        approved_on=timezone.localdate(),
        approval_authority=f"{c.perpetrator}所在区",
    )
    services.case_notify_parents(
        actor=chair,
        case=case,
        direction="to_parents",
        method="phone",
        guardian=f"{c.victim}母亲",
        party=victim,
        content=c.text("告知"),
    )
    services.attachment_add(
        actor=chair,
        case=case,
        uploaded_file=png(f"{c.victim}{c.tag}照片.png"),
        description=c.text("附件"),
    )
    services.case_start_follow_up(actor=chair, case=case)
    services.case_add_follow_up(actor=chair, case=case, note=c.text("跟踪"), party=victim)
    services.case_close(actor=chair, case=case, summary=c.text("结案"))
    return case


def _lodge(world: World, case, c: Canaries, *, panel: list[str]):
    officer = world.users["officer_x"]
    appeal = appeal_services.appeal_lodge(
        actor=officer,
        case=case,
        appellant_name=c.appellant,
        appellant_relation=f"{c.victim}父亲",
        grounds=c.text("申诉"),
        attachments=[png(f"{c.appellant}{c.tag}申诉书.png")],
    )
    appeal_services.appeal_accept_review(actor=officer, appeal=appeal, reasons=c.text("受理"))
    kinds = ("school_rep", "parent_rep", "expert")
    appeal_services.appeal_form_panel(
        actor=officer, appeal=appeal, members=[(world.users[u], k) for u, k in zip(panel, kinds, strict=True)]
    )
    return appeal


def build_privacy_world() -> World:
    result = org_units_import(rows=[_Row(i, *row) for i, row in enumerate(TREE, start=2)])
    assert not result.errors, result.errors
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    units = {key: by_code[code] for key, code in UNIT_KEYS.items()}
    world = World(units=units, users=_users(units))
    granted, _, _ = user_add(
        username="city_granted", org_code="330100", role=Role.CITY_OFFICER, password=PASSWORD, name="city_granted老师"
    )
    world.users["city_granted"] = granted
    for name, user in world.users.items():
        world.tokens[name] = token_issue(user=user)

    case_p = _plant_case(world, P)
    appeal_p = _lodge(world, case_p, P, panel=["panel_school_x", "panel_parent_x", "panel_expert_x"])

    case_q = _plant_case(world, Q)
    # The same panel: filing Q ends their access to Q, not to P (still under review).
    appeal_q = _lodge(world, case_q, Q, panel=["panel_school_x", "panel_parent_x", "panel_expert_x"])
    officer = world.users["officer_x"]
    appeal_services.appeal_decide(
        actor=officer,
        appeal=appeal_q,
        is_bullying=True,
        severity="severe",
        opinion=Q.text("复查"),
        agreed_by=[m.user for m in appeal_q.panel.all()][:2],
        agreement_note=Q.text("异议"),
    )
    appeal_services.appeal_file(actor=officer, appeal=appeal_q, note=Q.text("备案"))

    grant = services.unmask_request(
        actor=granted, case=case_p, purpose="核查督办工作需要了解当事学生情况，与公安机关通报核对。"
    )
    services.unmask_decide(actor=world.users["province"], grant=grant, approve=True, note="同意。")

    for key, obj in (("case", case_p), ("appeal", appeal_p)):
        obj.refresh_from_db()
        world.objects[(key, "P")] = obj
    for key, obj in (("case", case_q), ("appeal", appeal_q)):
        obj.refresh_from_db()
        world.objects[(key, "Q")] = obj
    make_clients(world)
    return world


@pytest.fixture(scope="module")
def privacy_world(django_db_setup, django_db_blocker):
    def builder():
        from tests.conftest import ensure_reference_data

        ensure_reference_data()
        return build_privacy_world()

    with module_transaction(django_db_blocker) as build:
        yield build(builder)
