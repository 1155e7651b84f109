"""The 50-item policy list (教基厅函〔2021〕5号 附件2) as data: complete, verbatim, versioned."""

import json

import pytest

from inspections import services
from inspections.models import Category, InspectionKind, PolicyEdition, PolicyItem
from inspections.policy_data import POLICY_LIST_2021, load_edition, read_policy_list

pytestmark = pytest.mark.django_db

# Excerpts copied from seeds/003_a4a0fb8e40fa4b77.txt, 附件2.
ITEM_1 = (
    "中小学生欺凌是发生在校园（包括中小学校和中等职业学校）内外、学生之间，一方（个体或群体）单次或多次蓄意或恶意"
    "通过肢体、语言及网络等手段实施欺负、侮辱，造成另一方（个体或群体）身体伤害、财产损失或精神损害等的事件。"
    "在实际工作中，要严格区分学生欺凌与学生间打闹嬉戏的界定，正确合理处理。"
)
ITEM_30_TAIL = "由学校学生欺凌治理委员会对事件是否属于学生欺凌行为进行认定。原则上学校应在启动调查处理程序10日内完成调查，根据有关规定处置。"
ITEM_45_PART = "确需复查的，由县级防治学生欺凌工作部门组织学校代表、家长代表和校外专家等组成调查小组启动复查。复查工作应在15日内完成"
ITEM_46_PART = "应在复查工作结束后，及时将有关情况报上级防治学生欺凌工作部门备案"


def current(number: int) -> PolicyItem:
    return PolicyItem.objects.get(edition__is_current=True, number=number)


def test_the_migration_loads_exactly_fifty_items_numbered_one_to_fifty():
    edition = PolicyEdition.objects.get(is_current=True)
    assert edition.document == "教基厅函〔2021〕5号 附件2"
    assert list(edition.items.values_list("number", flat=True)) == list(range(1, 51))


@pytest.mark.parametrize(
    ("category", "first", "last"),
    [(Category.PREVENTION, 1, 29), (Category.HANDLING, 30, 46), (Category.MECHANISM, 47, 50)],
)
def test_each_category_holds_its_published_range(category, first, last):
    numbers = list(
        PolicyItem.objects.filter(edition__is_current=True, category=category).values_list("number", flat=True)
    )
    assert numbers == list(range(first, last + 1))


def test_item_1_carries_the_definition_of_bullying_verbatim():
    item = current(1)
    assert item.topic == "明确学生欺凌的界定"
    assert item.measure == ITEM_1
    assert "打闹嬉戏" in item.measure


def test_item_30_carries_the_ten_day_rule_and_item_45_the_fifteen_day_rule():
    assert current(30).measure.endswith(ITEM_30_TAIL)
    assert "10日内" in current(30).measure
    assert ITEM_45_PART in current(45).measure
    assert "15日内" in current(45).measure
    assert ITEM_46_PART in current(46).measure


def test_measures_that_shared_a_cell_in_the_table_are_split_at_their_numbers():
    assert current(5).measure.startswith("落实《中小学生守则（2015年修订）》")
    assert current(6).measure.startswith("落实《中小学法制教育指导纲要》《青少年法治教育大纲》")
    assert current(7).measure.endswith("提高其心理健康水平。")
    assert (
        current(12).measure
        == "通过家访、家长会、家长学校等途径，帮助家长了解防治学生欺凌和暴力知识，增强监护责任意识，提高防治能力。"
    )
    assert current(35).measure.startswith("情节轻微的一般欺凌事件，由学校对实施欺凌学生开展批评、教育。")
    assert "12355" in current(25).measure  # a number inside a measure is not a new item


def test_conversion_damage_is_repaired_and_recorded():
    item = current(10)
    assert "责任意识和能力水平" in item.measure
    assert " and " not in item.measure
    assert item.corrections == [
        {
            "field": "measure",
            "seed": "责任意识 and 能力水平",
            "published": "责任意识和能力水平",
            "why": "转换时“和”被译为英文“and”",
        }
    ]
    assert current(38).office_in_charge == "法规处 义教处 高中处 职教处"
    assert all(" and " not in i.measure for i in PolicyItem.objects.all())


@pytest.mark.parametrize(
    ("number", "levels", "units"),
    [
        (1, ["province", "city", "county", "school"], "省、市、县（区、市）教育行政部门，各中小学校"),
        (2, ["province", "city", "county"], "省、市、县（区、市）教育行政部门"),
        (8, ["school"], "各中小学校"),
        (10, ["city", "county", "school"], "市、县（区、市）教育行政部门，各中小学校"),
        (30, ["school"], "各中小学校"),
        (36, ["county", "school"], "县（区、市）教育行政部门，各中小学校"),
        (45, ["county", "school"], "县（区、市）教育行政部门，各中小学校"),
        (46, ["city", "county", "school"], "市、县（区、市）教育行政部门，各中小学校"),
    ],
)
def test_responsible_units_are_mapped_to_levels(number, levels, units):
    item = current(number)
    assert item.responsible_units == units
    assert item.levels == levels


def test_a_merged_cell_of_the_table_is_carried_down_and_says_so():
    """GIVEN items 15–22 share one row of responsible units in the printed table
    THEN each carries it, and records that it came from item 15."""
    for number in range(16, 23):
        item = current(number)
        assert item.responsible_units == "各中小学校"
        assert item.office_in_charge == "安全处 义教处 高中处 职成处"
        assert item.related_departments == ["公安厅", "人社厅"]
        assert item.merged_from["responsible_units"] == 15
    assert current(15).merged_from == {}
    assert current(30).office_in_charge == ""  # empty in the table, and the first of its category


def test_every_item_is_complete():
    for item in PolicyItem.objects.filter(edition__is_current=True):
        assert item.topic and item.measure and item.levels and item.responsible_units, item.number
        assert item.measure[0] not in "0123456789", item.number


def test_the_committed_json_matches_the_database():
    data = read_policy_list(POLICY_LIST_2021)
    assert len(data["items"]) == 50
    for row in data["items"]:
        item = current(row["number"])
        assert (item.category, item.topic, item.measure, item.levels) == (
            row["category"],
            row["topic"],
            row["measure"],
            row["levels"],
        )


def test_a_new_edition_does_not_rewrite_past_inspections(tree, personas):
    """GIVEN a submitted self-check made against the 2021 list
    WHEN a new edition with a changed item 30 is loaded and becomes current
    THEN the old inspection still shows the 2021 text, and new inspections use the new one."""
    chair = personas["chair_a"]
    old = services.inspection_create(actor=chair, target=tree["A"], kind=InspectionKind.SELF_CHECK)
    data = json.loads(POLICY_LIST_2021.read_text(encoding="utf-8"))
    data["edition"] = {**data["edition"], "code": "revised-2026", "document": "某省2026年修订版"}
    data["items"][29]["measure"] = "原则上学校应在启动调查处理程序7日内完成调查。"
    load_edition(PolicyEdition, PolicyItem, data)

    assert PolicyEdition.objects.get(is_current=True).code == "revised-2026"
    assert "10日内" in old.results.get(item__number=30).item.measure
    new = services.inspection_create(actor=chair, target=tree["A"], kind=InspectionKind.SELF_CHECK)
    assert new.edition.code == "revised-2026"
    assert "7日内" in new.results.get(item__number=30).item.measure
    assert PolicyItem.objects.count() == 100


def test_loading_the_same_edition_twice_changes_nothing():
    load_edition(PolicyEdition, PolicyItem, read_policy_list())
    assert PolicyEdition.objects.count() == 1
    assert PolicyItem.objects.count() == 50


# ---------------------------------------------------------------------------
# API and page


def test_the_api_lists_the_items_paginated_with_the_stable_fields(api_for):
    response = api_for("chair_a").get("/api/v1/policy-items/", {"page_size": 20})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 50
    assert body["next"] and body["previous"] is None
    first = body["results"][0]
    assert {"number", "category", "topic", "measure", "levels"} <= set(first)
    assert first["number"] == 1
    assert first["category"] == "有效预防"
    assert first["category_code"] == "prevention"
    assert first["levels"] == ["province", "city", "county", "school"]


def test_the_api_filters_by_level_category_and_keyword(api_for):
    client = api_for("inspector_a")
    schools = client.get("/api/v1/policy-items/", {"level": "school", "page_size": 100}).json()
    assert 2 not in [i["number"] for i in schools["results"]]
    assert 30 in [i["number"] for i in schools["results"]]
    handling = client.get("/api/v1/policy-items/", {"category": "妥善处置", "page_size": 100}).json()
    assert [i["number"] for i in handling["results"]] == list(range(30, 47))
    assert client.get("/api/v1/policy-items/", {"category": "handling"}).json()["count"] == 17
    found = client.get("/api/v1/policy-items/", {"q": "15日内"}).json()
    assert [i["number"] for i in found["results"]] == [45]
    assert client.get("/api/v1/policy-items/45/").json()["topic"] == "申诉处理"


def test_the_api_needs_a_signed_in_user(client):
    assert client.get("/api/v1/policy-items/").status_code in (401, 403)


def test_the_policy_page_lists_all_fifty_and_searches(client_for):
    client = client_for("inspector_a")
    page = client.get("/inspections/policy/")
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count('id="item-') == 50
    assert "明确学生欺凌的界定" in html and "健全机制" in html
    found = client.get("/inspections/policy/", {"q": "打闹嬉戏"}).content.decode()
    assert found.count('id="item-') == 1
    assert "<mark>打闹嬉戏</mark>" in found
    county = client.get("/inspections/policy/", {"level": "county", "category": "handling"}).content.decode()
    assert 'id="item-30"' not in county and 'id="item-45"' in county
