"""Inspections, scoring, locking, rectification and accountability through the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from bullying.deadlines.services import calendar_day_set
from bullying.errors import ApplicationError
from inspections import services
from inspections.models import (
    AccountabilityMeasure,
    Inspection,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    Rectification,
    RectificationStatus,
    Result,
    compute_score,
)
from tests.inspections.conftest import VISITED, answer_all, school_items

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------------------
# Who inspects what


def test_a_school_self_check_covers_the_items_that_apply_to_schools(tree, personas):
    inspection = services.inspection_create(actor=personas["chair_a"], target=tree["A"], kind=InspectionKind.SELF_CHECK)
    numbers = list(inspection.results.values_list("item__number", flat=True))
    assert len(numbers) == school_items()
    assert 30 in numbers and 2 not in numbers  # item 2 is for bureaus only
    assert inspection.office == tree["A"]
    assert inspection.status == InspectionStatus.DRAFT


def test_a_county_self_check_covers_the_county_items(tree, personas):
    inspection = services.inspection_create(
        actor=personas["officer_x"], target=tree["X"], kind=InspectionKind.SELF_CHECK
    )
    numbers = set(inspection.results.values_list("item__number", flat=True))
    assert {2, 45, 46} <= numbers and 30 not in numbers and 8 not in numbers


@pytest.mark.parametrize(
    ("actor", "target"),
    [("member_a", "A"), ("staff_a", "A"), ("officer_x", "A"), ("inspector_a", "A"), ("chair_a", "A2"), ("city_a", "X")],
)
def test_a_self_check_is_made_only_by_the_unit_itself(tree, personas, actor, target):
    with pytest.raises(PermissionDenied):
        services.inspection_create(actor=personas[actor], target=tree[target], kind=InspectionKind.SELF_CHECK)
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("actor", "target", "office"),
    [("inspector_a", "A", "CA"), ("inspector_a", "X", "CA"), ("inspector_x", "A", "X"), ("inspector_p", "CB", "P")],
)
def test_an_inspector_supervises_units_below_their_office(supervision, tree, actor, target, office):
    inspection = supervision(target=target, actor=actor)
    assert inspection.office == tree[office]
    assert inspection.kind == InspectionKind.SUPERVISION


@pytest.mark.parametrize(
    ("actor", "target"),
    [
        ("inspector_a", "CA"),
        ("inspector_a", "ZS"),
        ("inspector_b", "A"),
        ("inspector_x", "YS"),
        ("city_a", "A"),
        ("chair_a", "A"),
    ],
)
def test_nobody_supervises_their_own_office_or_another_branch(supervision, actor, target):
    with pytest.raises(PermissionDenied):
        supervision(target=target, actor=actor)
    assert not Inspection.objects.exists()


def test_the_inspection_date_may_not_be_in_the_future(supervision):
    with pytest.raises(ApplicationError) as exc:
        supervision(inspected_on=date(2026, 11, 21))
    assert "晚于今天" in exc.value.message
    assert not Inspection.objects.exists()


# ---------------------------------------------------------------------------
# Results and score


def test_the_score_weighs_met_one_partly_half_and_leaves_out_not_applicable():
    rows = [("met", 1), ("partly_met", 1), ("not_met", 1), ("not_applicable", 1), ("", 1)]
    assert compute_score(rows) == Decimal("50.0")
    assert compute_score([("met", 2), ("not_met", 1)]) == Decimal("66.7")
    assert compute_score([("not_applicable", 1)]) is None


def test_item_weights_change_the_score(supervision, personas):
    inspection = supervision()
    actor = personas["inspector_a"]
    answer_all(inspection, actor, overrides={30: (Result.NOT_MET, "超期未完成调查。")})
    n = inspection.results.count()
    assert services.inspection_score(inspection) == (Decimal(100) * (n - 1) / n).quantize(Decimal("0.1"))
    services.inspection_set_result(actor=actor, inspection=inspection, number=30, weight="3")
    assert services.inspection_score(inspection) == (Decimal(100) * (n - 1) / (n + 2)).quantize(Decimal("0.1"))


def test_a_campaign_sets_the_default_weights(tree, personas):
    campaign = services.campaign_create_standard(actor=personas["province"], organiser=tree["P"], year=2026)
    campaign.weights = {"30": "2"}
    campaign.save()
    inspection = services.inspection_create(
        actor=personas["inspector_a"], target=tree["A"], kind=InspectionKind.SUPERVISION, campaign=campaign
    )
    assert inspection.results.get(item__number=30).weight == Decimal(2)
    assert inspection.results.get(item__number=1).weight == Decimal(1)


@pytest.mark.parametrize("weight", ["0", "-1", "101", "abc", "1.234"])
def test_a_bad_weight_is_refused(supervision, personas, weight):
    inspection = supervision()
    with pytest.raises(ApplicationError):
        services.inspection_set_result(actor=personas["inspector_a"], inspection=inspection, number=1, weight=weight)
    assert inspection.results.get(item__number=1).weight == Decimal(1)


def test_an_item_that_does_not_apply_is_refused(supervision, personas):
    inspection = supervision()
    with pytest.raises(ApplicationError) as exc:
        services.inspection_set_result(actor=personas["inspector_a"], inspection=inspection, number=2, result="met")
    assert "不适用" in exc.value.message


def test_only_the_inspecting_office_fills_in_a_supervision(supervision, personas):
    inspection = supervision()
    for name in ("chair_a", "officer_x", "city_a", "inspector_x"):
        with pytest.raises(PermissionDenied):
            services.inspection_set_result(actor=personas[name], inspection=inspection, number=1, result="met")
    assert not inspection.results.exclude(result="").exists()


# ---------------------------------------------------------------------------
# Submit locks


def test_a_self_check_must_answer_every_item_before_submitting(tree, personas):
    chair = personas["chair_a"]
    inspection = services.inspection_create(actor=chair, target=tree["A"], kind=InspectionKind.SELF_CHECK)
    services.inspection_set_result(actor=chair, inspection=inspection, number=1, result="met")
    with pytest.raises(ApplicationError) as exc:
        services.inspection_submit(actor=chair, inspection=inspection)
    assert "尚未填写结果" in exc.value.message
    inspection.refresh_from_db()
    assert inspection.status == InspectionStatus.DRAFT and inspection.score is None


def test_a_spot_check_may_submit_part_of_the_items(supervision, personas):
    actor = personas["inspector_a"]
    inspection = supervision(is_spot_check=True)
    services.inspection_set_result(actor=actor, inspection=inspection, number=30, result="met")
    services.inspection_set_result(
        actor=actor, inspection=inspection, number=34, result="partly_met", finding="学时不足"
    )
    inspection = services.inspection_submit(actor=actor, inspection=inspection)
    assert inspection.score == Decimal("75.0")


def test_a_deficient_item_needs_a_finding(supervision, personas):
    actor = personas["inspector_a"]
    inspection = supervision()
    answer_all(inspection, actor, overrides={30: (Result.NOT_MET, "")})
    with pytest.raises(ApplicationError) as exc:
        services.inspection_submit(actor=actor, inspection=inspection)
    assert "第30项" in exc.value.message


def test_a_submitted_inspection_cannot_be_edited(submitted_supervision, personas):
    """GIVEN a submitted supervision WHEN anyone tries to change it THEN it is refused
    and nothing changes."""
    inspection = submitted_supervision()
    actor = personas["inspector_a"]
    assert inspection.status == InspectionStatus.SUBMITTED and inspection.score is not None
    before = list(InspectionItem.objects.filter(inspection=inspection).values_list("result", "finding", "weight"))
    attempts = [
        lambda: services.inspection_set_result(actor=actor, inspection=inspection, number=1, result="not_met"),
        lambda: services.inspection_set_result(actor=actor, inspection=inspection, number=1, finding="改"),
        lambda: services.inspection_update(actor=actor, inspection=inspection, summary="改"),
        lambda: services.inspection_submit(actor=actor, inspection=inspection),
    ]
    for attempt in attempts:
        with pytest.raises(ApplicationError) as exc:
            attempt()
        assert exc.value.message == "检查已提交，不能再修改。"
    assert (
        list(InspectionItem.objects.filter(inspection=inspection).values_list("result", "finding", "weight")) == before
    )
    assert Inspection.objects.get(pk=inspection.pk).summary == "部分处置时限执行不严。"


def test_a_stale_copy_cannot_sneak_a_change_past_the_lock(submitted_supervision, personas):
    inspection = submitted_supervision()
    stale = Inspection.objects.get(pk=inspection.pk)
    stale.status = InspectionStatus.DRAFT  # what a copy read before the submit would say
    with pytest.raises(ApplicationError):
        services.inspection_set_result(actor=personas["inspector_a"], inspection=stale, number=1, result="not_met")


def test_a_draft_supervision_is_hidden_from_the_inspected_school(supervision, personas):
    from inspections.selectors import inspections_visible_to

    inspection = supervision(is_unannounced=True)
    assert not inspections_visible_to(personas["chair_a"]).filter(pk=inspection.pk).exists()
    assert inspections_visible_to(personas["officer_x"]).filter(pk=inspection.pk).exists()
    answer_all(inspection, personas["inspector_a"])
    services.inspection_submit(actor=personas["inspector_a"], inspection=inspection)
    assert inspections_visible_to(personas["chair_a"]).filter(pk=inspection.pk).exists()


# ---------------------------------------------------------------------------
# Rectification


def test_a_rectification_due_in_days_follows_the_statutory_calendar(submitted_supervision, personas):
    """10 days from Thursday 2026-11-05 → Sunday 11-15 → the next working day, 11-16."""
    inspection = submitted_supervision()
    rect = services.rectification_raise(
        actor=personas["inspector_a"],
        inspection=inspection,
        number=30,
        requirement="完善调查处理流程，严格执行10日时限。",
        days=10,
        on=date(2026, 11, 5),
    )
    assert rect.due_on == date(2026, 11, 16)
    assert rect.unit == inspection.target
    assert any("民法典" in step for step in rect.due_steps)
    assert rect.notes.get().kind == "raised"


def test_a_rectification_due_on_a_date(submitted_supervision, personas):
    rect = services.rectification_raise(
        actor=personas["inspector_a"],
        inspection=submitted_supervision(),
        number=34,
        requirement="补齐学时记录。",
        due_on=date(2026, 12, 31),
    )
    assert rect.due_on == date(2026, 12, 31) and rect.due_days is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"number": 1, "days": 10}, "无需整改"),
        ({"number": 30}, "二选一"),
        ({"number": 30, "days": 10, "due_on": date(2026, 12, 1)}, "二选一"),
        ({"number": 30, "days": 0}, "整改天数"),
        ({"number": 30, "due_on": date(2026, 11, 1)}, "应晚于下达日期"),
        ({"number": 30, "days": 10, "on": date(2026, 11, 1)}, "不能早于检查日期"),
        ({"number": 30, "days": 10, "requirement": "  "}, "请填写整改要求"),
    ],
)
def test_bad_rectification_input_is_refused_and_nothing_is_written(submitted_supervision, personas, kwargs, message):
    inspection = submitted_supervision()
    kwargs = {"requirement": "整改。", **kwargs}
    with pytest.raises(ApplicationError) as exc:
        services.rectification_raise(actor=personas["inspector_a"], inspection=inspection, **kwargs)
    assert message in exc.value.message
    assert not Rectification.objects.exists()


def test_a_rectification_needs_a_submitted_inspection(supervision, personas):
    inspection = supervision()
    answer_all(inspection, personas["inspector_a"], overrides={30: (Result.NOT_MET, "超期")})
    with pytest.raises(ApplicationError):
        services.rectification_raise(
            actor=personas["inspector_a"], inspection=inspection, number=30, requirement="整改", days=10
        )


def _raised(submitted_supervision, personas):
    return services.rectification_raise(
        actor=personas["inspector_a"],
        inspection=submitted_supervision(),
        number=30,
        requirement="严格执行10日时限。",
        days=15,
        on=VISITED,
    )


def test_the_unit_reports_completion_and_the_inspector_verifies(submitted_supervision, personas):
    rect = _raised(submitted_supervision, personas)
    chair = personas["chair_a"]
    services.rectification_add_note(actor=chair, rectification=rect, text="已召开专题会议。", on=date(2026, 11, 6))
    services.rectification_complete(actor=chair, rectification=rect, text="制度已修订。", on=date(2026, 11, 10))
    rect = services.rectification_verify(actor=personas["inspector_a"], rectification=rect, text="复查到位。")
    assert rect.status == RectificationStatus.VERIFIED
    assert rect.verified_by == personas["inspector_a"]
    assert [n.kind for n in rect.notes.order_by("id")] == ["raised", "progress", "completed", "verified"]


@pytest.mark.parametrize("name", ["chair_a", "member_a"])
def test_a_rectification_cannot_be_verified_by_its_own_unit(submitted_supervision, personas, name):
    rect = _raised(submitted_supervision, personas)
    services.rectification_complete(actor=personas["chair_a"], rectification=rect, text="已整改。")
    with pytest.raises(PermissionDenied) as exc:
        services.rectification_verify(actor=personas[name], rectification=rect)
    assert "不能自行复查验收" in str(exc.value)
    assert Rectification.objects.get(pk=rect.pk).status == RectificationStatus.COMPLETED


def test_a_county_cannot_verify_its_own_self_check_rectification(tree, personas):
    officer = personas["officer_x"]
    inspection = services.inspection_create(actor=officer, target=tree["X"], kind=InspectionKind.SELF_CHECK)
    answer_all(inspection, officer, overrides={45: (Result.NOT_MET, "未建立申诉复查制度。")})
    services.inspection_submit(actor=officer, inspection=inspection)
    rect = services.rectification_raise(
        actor=officer, inspection=inspection, number=45, requirement="建立制度", days=20
    )
    services.rectification_complete(actor=officer, rectification=rect, text="已建立。")
    with pytest.raises(PermissionDenied):
        services.rectification_verify(actor=officer, rectification=rect)
    with pytest.raises(PermissionDenied):
        services.rectification_verify(actor=personas["inspector_x"], rectification=rect)  # same county bureau
    assert services.rectification_verify(actor=personas["inspector_a"], rectification=rect).status == "verified"


def test_verification_waits_for_the_units_report(submitted_supervision, personas):
    rect = _raised(submitted_supervision, personas)
    with pytest.raises(ApplicationError):
        services.rectification_verify(actor=personas["inspector_a"], rectification=rect)


def test_only_the_responsible_unit_reports_completion(submitted_supervision, personas):
    rect = _raised(submitted_supervision, personas)
    for name in ("inspector_a", "chair_a2", "staff_a"):
        with pytest.raises(PermissionDenied):
            services.rectification_complete(actor=personas[name], rectification=rect, text="完成")


def test_reopening_sends_it_back_with_a_new_deadline(submitted_supervision, personas):
    rect = _raised(submitted_supervision, personas)
    services.rectification_complete(actor=personas["chair_a"], rectification=rect, text="已整改。")
    rect = services.rectification_reopen(
        actor=personas["inspector_a"], rectification=rect, text="制度未印发。", due_on=date(2026, 12, 20)
    )
    assert rect.status == RectificationStatus.OPEN
    assert rect.reopen_count == 1 and rect.due_on == date(2026, 12, 20) and rect.completed_on is None
    with pytest.raises(PermissionDenied):
        services.rectification_reopen(actor=personas["chair_a"], rectification=rect, text="x")


def test_a_calendar_change_moves_open_deadlines_counted_in_days(submitted_supervision, personas):
    rect = _raised(submitted_supervision, personas)  # 15 days from 11-02 → Tue 11-17
    assert rect.due_on == date(2026, 11, 17)
    calendar_day_set(actor=personas["sysadmin"], date=date(2026, 11, 17), kind="holiday", name="测试假日")
    rect.refresh_from_db()
    assert rect.due_on == date(2026, 11, 18)
    assert rect.notes.filter(kind="due_recomputed").exists()


# ---------------------------------------------------------------------------
# Accountability


def test_accountability_cites_its_cause_and_comes_from_above(submitted_supervision, tree, personas):
    inspection = submitted_supervision()
    measure = services.accountability_record(
        actor=personas["city_a"],
        unit=tree["A"],
        kind="interview",
        reason="多项措施未落实。",
        inspection=inspection,
    )
    assert measure.office == tree["CA"]
    with pytest.raises(ApplicationError):
        services.accountability_record(actor=personas["city_a"], unit=tree["A"], kind="notice", reason="无依据")
    with pytest.raises(PermissionDenied):
        services.accountability_record(
            actor=personas["chair_a"], unit=tree["A"], kind="notice", reason="自己", inspection=inspection
        )
    with pytest.raises(ApplicationError):
        services.accountability_record(
            actor=personas["city_a"], unit=tree["Y"], kind="veto", reason="无关检查", inspection=inspection
        )
    assert AccountabilityMeasure.objects.count() == 1


def test_accountability_may_cite_a_case(tree, personas):
    from datetime import datetime

    from cases import services as case_services
    from tests.inspections.conftest import SHANGHAI

    case = case_services.case_open(
        actor=personas["chair_a"],
        school=tree["A"],
        occurred_at=datetime(2026, 11, 2, 9, tzinfo=SHANGHAI),
        location="操场",
        source="staff",
        forms=["physical"],
        summary="推搡。",
        parties=[{"role": "victim", "name": "甄某"}],
        on=date(2026, 11, 2),
    )
    measure = services.accountability_record(
        actor=personas["officer_x"], unit=tree["A"], kind="listed_supervision", reason="瞒报事件。", case=case
    )
    assert measure.case == case and measure.office == tree["X"]
