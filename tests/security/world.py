"""The objects the permission matrix acts on, built through the real services.

Every school of the shared tree (A, A2 in county X; YS in county Y, both in city CA; ZS
in county Z in city CB) gets the same set: a case in every state a workflow step needs,
an attachment, and an appeal in every state; incident reports; and for supervision a
self-check draft with a supporting file, a submitted supervision in the county's round
with an open and a completed rectification, an unannounced supervision still being
written, a notice of criticism, and the county's campaign with one report filed. The
matrix then asks, for each persona,
about the copy in its own school, a sibling school, another county and another city.

``World.ids``/``World.labels`` are the independent record of what exists where: list and
count assertions compare the API's answers with them, never with a selector.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from accounts.api.authentication import token_issue
from accounts.models import Level, OrgUnit, Role, User
from accounts.services import _Row, org_units_import, user_add
from bullying.deadlines.models import Notification
from bullying.deadlines.notifications import notify
from cases import services
from cases.appeals import services as appeal_services
from cases.models import Case, MeasureKind, PartyRole
from tests.conftest import PASSWORD, PERSONAS, TREE

# A 1×1 PNG: the smallest file the upload sniffer accepts.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    b"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82"
)

SCHOOL_KEYS = ("A", "A2", "YS", "ZS")
UNIT_KEYS = {
    "P": "330000",
    "CA": "330100",
    "CB": "330200",
    "X": "330106",
    "Y": "330105",
    "Z": "330203",
    "A": "2133010601",
    "A2": "2133010602",
    "YS": "2133010501",
    "ZS": "2133020301",
}
COUNTY_OF = {"A": "X", "A2": "X", "YS": "Y", "ZS": "Z"}
CHAIR_OF = {"A": "chair_a", "A2": "chair_a2", "YS": "chair_y", "ZS": "chair_z"}
OFFICER_OF = {"X": "officer_x", "Y": "officer_y", "Z": "officer_z"}

# Users the world needs besides the personas: a committee member in every school (to
# leave a determination unsigned) and a review panel for every county, none of whom took
# part in a determination (they would have to stand aside).
WORLD_USERS = {
    "member_a2": ("2133010602", Role.COMMITTEE_MEMBER),
    "member_y": ("2133010501", Role.COMMITTEE_MEMBER),
    "member_z": ("2133020301", Role.COMMITTEE_MEMBER),
    "panel_school_x": ("2133010601", Role.SCHOOL_STAFF),
    "panel_parent_x": ("2133010602", Role.SCHOOL_STAFF),
    "panel_expert_x": ("330106", Role.REVIEW_EXPERT),
    "panel_school_y": ("2133010501", Role.SCHOOL_STAFF),
    "panel_parent_y": ("2133010501", Role.SCHOOL_STAFF),
    "panel_expert_y": ("330105", Role.REVIEW_EXPERT),
    "panel_school_z": ("2133020301", Role.SCHOOL_STAFF),
    "panel_parent_z": ("2133020301", Role.SCHOOL_STAFF),
    "panel_expert_z": ("330203", Role.REVIEW_EXPERT),
    # Asks to see names (purpose-bound unmasking), so that city_a and province decide.
    "province_2": ("330000", Role.PROVINCE_OFFICER),
    # Inspectors of the other two counties (inspector_x is county X's): each supervises
    # the school of its county in that county's inspection round.
    "inspector_y": ("330105", Role.INSPECTOR),
    "inspector_z": ("330203", Role.INSPECTOR),
}
MEMBER_OF = {"A": "member_a", "A2": "member_a2", "YS": "member_y", "ZS": "member_z"}
# Who supervises each school: the county inspector (in the county's round) and the city
# inspector (an unannounced visit still being written).
COUNTY_INSPECTOR_OF = {"X": "inspector_x", "Y": "inspector_y", "Z": "inspector_z"}
CITY_INSPECTOR_OF = {"A": "inspector_a", "A2": "inspector_a", "YS": "inspector_a", "ZS": "inspector_b"}

CASE_STATES = ("reported", "investigating", "determined_unsigned", "determined", "handling", "follow_up")
APPEAL_STATES = ("received", "reviewing", "decided", "filed")


def png(name: str = "evidence.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@dataclass
class World:
    units: dict[str, OrgUnit]
    users: dict[str, User]
    tokens: dict[str, str] = field(default_factory=dict)
    objects: dict[tuple[str, str], object] = field(default_factory=dict)
    # The independent record: kind → school key → [(id, label)].
    record: dict[str, dict[str, list[tuple[int, str]]]] = field(default_factory=dict)
    extras: dict[str, object] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    # (persona, is_api) → a Django test client, see the ``world`` fixture.
    clients: dict[tuple[str, bool], object] = field(default_factory=dict)

    def add(self, kind: str, school: str, obj, *, label: str = "") -> None:
        self.record.setdefault(kind, {}).setdefault(school, []).append((obj.pk, label))

    def ids(self, kind: str, school: str) -> set[int]:
        return {pk for pk, _ in self.record.get(kind, {}).get(school, [])}

    def labels(self, kind: str, school: str) -> set[str]:
        return {label for _, label in self.record.get(kind, {}).get(school, [])}

    def all_labels(self, kind: str) -> set[str]:
        return {label for rows in self.record.get(kind, {}).values() for _, label in rows}

    def get(self, key: str, school: str):
        try:
            return self.objects[(key, school)]
        except KeyError:
            reason = next(
                (e for what, e in self.errors.items() if key.startswith(what)),
                "not built" + (f" (failed builders: {self.errors})" if self.errors else ""),
            )
            raise LookupError(f"the world has no {key} at {school}: {reason}") from None


def _users(units: dict[str, OrgUnit]) -> dict[str, User]:
    users = {}
    for username, (code, role) in {**PERSONAS, **WORLD_USERS}.items():
        user, _, _ = user_add(username=username, org_code=code, role=role, password=PASSWORD, name=f"{username}老师")
        users[username] = user
    return users


def _parties(school: str) -> list[dict]:
    return [
        {"role": PartyRole.VICTIM, "name": f"受害{school}甲", "student_no": f"V{school}0001", "grade": "五年级"},
        {"role": PartyRole.PERPETRATOR, "name": f"实施{school}乙", "student_no": f"P{school}0002", "grade": "五年级"},
        {"role": PartyRole.WITNESS, "name": f"证人{school}丙", "grade": "五年级"},
    ]


def _open(world: World, school: str) -> Case:
    chair = world.users[CHAIR_OF[school]]
    case = services.case_open(
        actor=chair,
        school=world.units[school],
        occurred_at=timezone.now() - timedelta(hours=2),
        location="操场",
        source="staff",
        forms=["verbal"],
        summary="课间起绰号。",
        parties=_parties(school),
    )
    world.add("case", school, case, label=case.number)
    return case


def _walk(world: World, school: str, case: Case, to: str) -> Case:
    chair = world.users[CHAIR_OF[school]]
    if to == "reported":
        return case
    services.case_start_investigation(actor=chair, case=case)
    if to == "investigating":
        return case
    determiner = world.users[MEMBER_OF[school]] if to == "determined_unsigned" else chair
    services.case_determine(actor=determiner, case=case, is_bullying=True, severity="minor", reasoning="经调查属实。")
    if to in ("determined", "determined_unsigned"):
        return case
    for perpetrator in case.parties.filter(role=PartyRole.PERPETRATOR):
        world.extras[f"measure:{school}"] = services.case_add_measure(
            actor=chair,
            case=case,
            kind=MeasureKind.EDUCATION_PLAN,
            party=perpetrator,
            responsible="德育主任",
            planned_hours=8,
        )
    if to == "handling":
        return case
    services.case_start_follow_up(actor=chair, case=case)
    services.case_add_follow_up(actor=chair, case=case, note="关系缓和。")
    return case


def _panel(world: World, county: str) -> list[tuple[User, str]]:
    k = county.lower()
    return [
        (world.users[f"panel_school_{k}"], "school_rep"),
        (world.users[f"panel_parent_{k}"], "parent_rep"),
        (world.users[f"panel_expert_{k}"], "expert"),
    ]


def _appeal(world: World, school: str, to: str):
    case = _walk(world, school, _open(world, school), "determined")
    county = COUNTY_OF[school]
    officer = world.users[OFFICER_OF[county]]
    appeal = appeal_services.appeal_lodge(
        actor=officer,
        case=case,
        appellant_name="申诉人",
        appellant_relation="受欺凌学生母亲",
        grounds="对认定有异议。",
        attachments=[png("appeal.png")] if to == "received" else [],
    )
    if to != "received":
        appeal_services.appeal_accept_review(actor=officer, appeal=appeal)
        appeal_services.appeal_form_panel(actor=officer, appeal=appeal, members=_panel(world, county))
    if to in ("decided", "filed"):
        appeal_services.appeal_decide(
            actor=officer, appeal=appeal, is_bullying=True, severity="minor", opinion="维持。"
        )
    if to == "filed":
        appeal_services.appeal_file(actor=officer, appeal=appeal)
    appeal.refresh_from_db()
    world.add("appeal", school, appeal, label=appeal.number)
    world.add(f"appeal:{to}", school, appeal, label=appeal.number)
    return appeal


def _unmask_grant(world: World, school: str) -> None:
    """A pending request of a second province official to see the names of one case."""
    grant = services.unmask_request(
        actor=world.users["province_2"],
        case=world.get("case:determined", school),
        purpose="核查督办工作需要了解当事学生情况。",
    )
    world.objects[("unmask_grant", school)] = grant


def _reports(world: World, school: str) -> None:
    """Incident reports (reporting app): one still at the county, one the county has
    signed for, one the county has forwarded to the city."""
    from reporting import services as reporting

    chair = world.users[CHAIR_OF[school]]
    officer = world.users[OFFICER_OF[COUNTY_OF[school]]]
    for state in ("county", "county_acknowledged", "city"):
        case = _walk(world, school, _open(world, school), "determined")
        report = reporting.report_submit(actor=chair, case=case, kind="initial", content="首报。")
        if state in ("county_acknowledged", "city"):
            reporting.report_acknowledge(actor=officer, report=report)
        if state == "city":
            reporting.report_forward(actor=officer, report=report, note="已督促学校处置。")
        report.refresh_from_db()
        world.objects[(f"report:{state}", school)] = report
        world.add(f"report:{state}", school, report, label=report.number)


def _inspection(world: World, school: str) -> None:
    """A self-check (对照自查) by the school's committee chair (inspections app)."""
    from inspections import services as inspections

    chair = world.users[CHAIR_OF[school]]
    inspection = inspections.inspection_create(actor=chair, target=world.units[school], kind="self_check")
    # Every item answered (so that it can be submitted), one through the service and
    # with a supporting file, the rest at once (a self-check has ~47 items per school).
    first = inspection.results.select_related("item").order_by("item__number").first()
    inspections.inspection_set_result(actor=chair, inspection=inspection, number=first.item.number, result="met")
    inspection.results.exclude(pk=first.pk).update(result="met")
    evidence = inspections.evidence_add(
        actor=chair, inspection=inspection, number=first.item.number, uploaded_file=png(), description="制度文本"
    )
    world.objects[("inspection", school)] = inspection
    world.objects[("inspection_evidence", school)] = evidence
    world.add("inspection", school, inspection, label=f"inspection-{inspection.pk}")


def _accountability(world: World, school: str) -> None:
    """A notice of criticism (通报) of the school by its county office (inspections app)."""
    from inspections import services as inspections

    measure = inspections.accountability_record(
        actor=world.users[OFFICER_OF[COUNTY_OF[school]]],
        unit=world.units[school],
        kind="notice",
        reason="处置不力，予以通报。",
        case=world.get("case:determined", school),
    )
    world.objects[("accountability", school)] = measure
    world.add("accountability", school, measure, label=f"accountability-{measure.pk}")


def _campaign(world: World, school: str) -> None:
    """A special campaign (专项治理行动) organised by the school's county office."""
    from inspections import services as inspections

    year = timezone.localdate().year
    campaign = inspections.campaign_create_standard(
        actor=world.users[OFFICER_OF[COUNTY_OF[school]]],
        organiser=world.units[COUNTY_OF[school]],
        year=year,
        name=f"{school} {year} 年专项治理",
    )
    world.objects[("campaign", school)] = campaign


def _round(world: World, school: str) -> None:
    """An inspection round (督导批次) run by the school's county office."""
    from inspections import services as inspections

    today = timezone.localdate()
    rnd = inspections.round_create(
        actor=world.users[OFFICER_OF[COUNTY_OF[school]]],
        office=world.units[COUNTY_OF[school]],
        title=f"{school} 督导批次",
        starts_on=today,
        ends_on=today + timedelta(days=30),
    )
    world.objects[("round", school)] = rnd


def _supervision(world: World, school: str) -> None:
    """A supervision (督导检查) of the school by its county's inspector, in the county's
    round, submitted with three items not met; two rectifications ordered from it (one
    open with a supporting file, one the school reported done), the third item left for
    the matrix to order."""
    from inspections import services as inspections

    county = COUNTY_OF[school]
    inspector, chair = world.users[COUNTY_INSPECTOR_OF[county]], world.users[CHAIR_OF[school]]
    inspection = inspections.inspection_create(
        actor=inspector, target=world.units[school], kind="supervision", round=world.get("round", school)
    )
    numbers = list(inspection.results.order_by("item__number").values_list("item__number", flat=True)[:3])
    for number in numbers:
        inspections.inspection_set_result(
            actor=inspector, inspection=inspection, number=number, result="not_met", finding="制度未建立。"
        )
    inspections.inspection_submit(actor=inspector, inspection=inspection)
    inspection.refresh_from_db()
    world.objects[("inspection:submitted", school)] = inspection
    world.add("inspection", school, inspection, label=f"inspection-{inspection.pk}")

    def order(number):
        return inspections.rectification_raise(
            actor=inspector, inspection=inspection, number=number, requirement="一个月内建立制度。", days=30
        )

    opened, done = order(numbers[0]), order(numbers[1])
    evidence = inspections.rectification_add_evidence(
        actor=chair, rectification=opened, uploaded_file=png("rectification.png"), description="整改照片"
    )
    inspections.rectification_complete(actor=chair, rectification=done, text="已建立制度。")
    for key, rect in (("rectification:open", opened), ("rectification:completed", done)):
        rect.refresh_from_db()
        world.objects[(key, school)] = rect
        world.add("rectification", school, rect, label=f"rectification-{rect.pk}")
    world.objects[("rectification_evidence", school)] = evidence


def _supervision_draft(world: World, school: str) -> None:
    """An unannounced supervision (不打招呼) by the city's inspector, still being written:
    the inspected school's own people must not see it yet."""
    from inspections import services as inspections

    inspection = inspections.inspection_create(
        actor=world.users[CITY_INSPECTOR_OF[school]],
        target=world.units[school],
        kind="supervision",
        is_unannounced=True,
    )
    world.objects[("supervision:draft", school)] = inspection
    world.add("supervision:draft", school, inspection, label=f"inspection-{inspection.pk}")


def school_tasks(campaign) -> list:
    """The campaign's reports a school files, in order."""
    return [task for task in campaign.tasks.order_by("pk") if "school" in task.levels]


def _campaign_submission(world: World, school: str) -> None:
    """The school's first report to its county's campaign, with a file (the second report
    is left for the matrix to file)."""
    from inspections import services as inspections

    campaign = world.get("campaign", school)
    submission = inspections.task_submit(
        actor=world.users[CHAIR_OF[school]],
        task=school_tasks(campaign)[0],
        unit=world.units[school],
        note="排查台账见附件。",
        uploaded_file=png("ledger.png"),
    )
    world.objects[("campaign_submission", school)] = submission


def _optional(world: World, what: str, school: str, build) -> None:
    """Apps still being finished: a failure is recorded (and fails the rows that need
    the object, with this message), not the whole matrix. Run in a savepoint."""
    import copy

    from django.db import transaction

    record, objects = copy.deepcopy(world.record), dict(world.objects)
    try:
        with transaction.atomic():
            build(world, school)
    except Exception as exc:
        world.errors[what] = f"{type(exc).__name__}: {exc}"
        world.record, world.objects = record, objects


def build_world() -> World:
    result = org_units_import(rows=[_Row(i, *row) for i, row in enumerate(TREE, start=2)])
    assert not result.errors, result.errors
    by_code = {u.code: u for u in OrgUnit.objects.all()}
    units = {key: by_code[code] for key, code in UNIT_KEYS.items()}
    world = World(units=units, users=_users(units))
    for name, user in world.users.items():
        world.tokens[name] = token_issue(user=user)

    for school in SCHOOL_KEYS:
        for state in CASE_STATES:
            case = _walk(world, school, _open(world, school), state)
            case.refresh_from_db()
            world.objects[(f"case:{state}", school)] = case
            world.add(f"case:{state}", school, case, label=case.number)
        case = world.get("case:determined", school)
        attachment = services.attachment_add(
            actor=world.users[CHAIR_OF[school]], case=case, uploaded_file=png(), description="照片"
        )
        world.objects[("case_attachment", school)] = attachment
        world.objects[("measure", school)] = world.extras[f"measure:{school}"]
        for state in APPEAL_STATES:
            world.objects[(f"appeal:{state}", school)] = _appeal(world, school, state)
        world.objects[("appeal_attachment", school)] = world.get("appeal:received", school).attachments.get()
        world.objects[("school", school)] = units[school]
        world.add("school", school, units[school], label=units[school].code)
        _optional(world, "unmask_grant", school, _unmask_grant)
        _optional(world, "report", school, _reports)
        _optional(world, "inspection", school, _inspection)
        _optional(world, "accountability", school, _accountability)
        _optional(world, "campaign", school, _campaign)
        _optional(world, "round", school, _round)
        _optional(world, "inspection:submitted", school, _supervision)
        _optional(world, "supervision:draft", school, _supervision_draft)
        _optional(world, "campaign_submission", school, _campaign_submission)

    # One in-app notification for every user: "own" is the caller's, the others belong
    # to a user of the target school. Those the services sent while building are
    # dropped, so the record below is exactly what exists.
    Notification.objects.all().delete()
    for name, user in world.users.items():
        notification = notify(
            recipient=user, kind="test", title="您有一项待办事项。", link="/cases/", dedupe_key=f"world:{name}"
        )
        world.objects[("notification_of", name)] = notification
    world.record["notification"] = {
        name: [(n.pk, "")] for name, n in ((k[1], v) for k, v in world.objects.items() if k[0] == "notification_of")
    }
    assert Notification.objects.count() == len(world.users)
    for key in ("A", "A2", "YS", "ZS"):
        assert units[key].level == Level.SCHOOL
    # Fire the deferred foreign-key checks of everything built so far now, once; left
    # pending, each test's constraint check would re-run them all.
    connection.check_constraints()
    return world
