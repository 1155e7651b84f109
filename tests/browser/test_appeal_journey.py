"""An appeal reviewed by the county in a real browser (申诉复查, 政策清单第45–46项).

The county officer opens a received appeal, accepts it for review and forms the review
panel; a panel member, in a browser of her own, sees that one appeal and nothing else of
the county; the officer records the review decision and files it with the city (备案),
after which the member's access ends and the city reads the filing with names masked.
"""

import pytest

from accounts.models import User
from cases.appeals import services as appeal_services
from cases.appeals.models import Appeal, AppealStatus, PanelMember
from cases.models import Case, PartyRole, Status
from tests.browser_support import school_case, track_urls
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

# Canary names: finding one where it must not be means a name leaked.
VICTIM = "龚晓蕾"
PERPETRATOR = "韦大鹏"
WITNESS = "俞小溪"
APPELLANT = "龚建华"
CANARIES = (VICTIM, PERPETRATOR, WITNESS, APPELLANT)


def parties(victim=VICTIM, perpetrator=PERPETRATOR, witness=WITNESS):
    return [
        {"role": PartyRole.VICTIM, "name": victim, "grade": "五年级", "class_name": "2班"},
        {"role": PartyRole.PERPETRATOR, "name": perpetrator, "grade": "五年级", "class_name": "3班"},
        {"role": PartyRole.WITNESS, "name": witness, "grade": "五年级", "class_name": "2班"},
    ]


def leaked(text: str) -> list[str]:
    return [name for name in CANARIES if name in text]


def two_received_appeals(personas, tree) -> tuple[Appeal, Appeal]:
    """Two appeals received by county X: one on a case of school A (determined by chair_a
    with member_a present), one on a case of school A2."""
    case = school_case(personas, tree, school="A", parties=parties(), members=["chair_a", "member_a"])
    other_case = school_case(personas, tree, school="A2", parties=parties("沈一鸣", "曹二虎", "乔三石"))
    appeal = appeal_services.appeal_lodge(
        actor=personas["officer_x"],
        case=case,
        appellant_name=APPELLANT,
        appellant_relation="受欺凌学生父亲",
        grounds=f"学校认定{VICTIM}所受欺凌为情节轻微，与实际伤害不符，请求复查。",
    )
    other = appeal_services.appeal_lodge(
        actor=personas["officer_x"],
        case=other_case,
        appellant_name="沈大海",
        appellant_relation="受欺凌学生父亲",
        grounds="对学校的认定结论有异议，请求复查。",
    )
    return appeal, other


def test_the_county_reviews_an_appeal_with_a_panel_and_files_it_with_the_city(journey, personas, tree):
    """GIVEN two appeals received by county X
    WHEN its officer accepts one for review, forms the panel, decides and files it
    THEN each step shows its status, the panel member sees only that appeal while the
    review runs, and the city reads the filing without a child's name."""
    appeal, other = two_received_appeals(personas, tree)
    staff, parent_rep, expert = (User.objects.get(username=n) for n in ("staff_a", "chair_a2", "expert_x"))

    # The county officer finds the appeal in the queue and opens it.
    officer = journey("officer")
    officer_urls = track_urls(officer)
    officer.login("officer_x", PASSWORD)
    page = officer.go("/")
    page.click("nav.sidebar >> text=申诉复查")
    page.wait_for_url("**/cases/appeals/")
    row = page.locator("table.appeals tbody tr", has_text=appeal.number)
    assert "已收到申诉" in row.inner_text()
    assert "待作出受理决定" in row.inner_text()
    assert page.locator("table.appeals tbody tr", has_text=other.number).count() == 1
    officer.shot("queue")
    row.locator(f"a:text-is('{appeal.number}')").click()
    page.wait_for_url(f"**/cases/appeals/{appeal.pk}/")
    assert "已收到申诉" in page.locator("h1").inner_text()
    assert APPELLANT in page.locator("#appeal").inner_text()  # the county sees the names
    officer.shot("received")

    # Accept for review: the 15-day clock starts.
    officer.submit("#actions form[action$='/step/accept_review/']")
    assert "已受理申诉并启动复查" in page.locator(".messages").inner_text()
    assert "复查中" in page.locator("h1").inner_text()
    assert "前完成复查" in page.locator("#clock").inner_text()
    assert "尚未组成复查调查小组" in page.locator("#panel").inner_text()
    officer.shot("reviewing")

    # Form the panel. Those who took part in the school's determination stand aside.
    offered = page.locator("#id_panel-0-user option").all_inner_texts()
    assert not any(text.startswith(("chair_a老师", "member_a老师")) for text in offered), offered
    assert any(text.startswith("expert_x老师") for text in offered), offered
    for i, (user, kind) in enumerate([(staff, "school_rep"), (parent_rep, "parent_rep"), (expert, "expert")]):
        page.select_option(f"#id_panel-{i}-user", str(user.pk))
        page.select_option(f"#id_panel-{i}-kind", kind)
    officer.submit("#actions form[action$='/step/panel/']")
    assert "复查调查小组已组成" in page.locator(".messages").inner_text()
    panel = page.locator("#panel").inner_text()
    for label in ("staff_a老师", "学校代表", "chair_a2老师", "家长代表", "expert_x老师", "校外专家"):
        assert label in panel
    assert "作出复查决定" in page.locator("#actions").inner_text()
    officer.shot("panel-formed")

    # A panel member, in her own browser, sees this appeal and nothing else of the county.
    member = journey("panel-member")
    member_urls = track_urls(member)
    member.login("expert_x", PASSWORD)
    mpage = member.go("/")
    mpage.click("nav.sidebar >> text=申诉复查")
    mpage.wait_for_url("**/cases/appeals/")
    rows = mpage.locator("table.appeals tbody tr")
    assert rows.count() == 1
    assert appeal.number in rows.first.inner_text() and "复查中" in rows.first.inner_text()
    assert other.number not in mpage.content()
    member.shot("member-queue")
    rows.first.locator("a").first.click()
    mpage.wait_for_url(f"**/cases/appeals/{appeal.pk}/")
    assert "您是复查调查小组成员" in mpage.locator("main").inner_text()
    assert mpage.locator("#actions").count() == 0  # members read, the county decides
    assert "申诉理由" in mpage.locator("#appeal").inner_text()
    member.shot("member-appeal")
    mpage = member.go(f"/cases/appeals/{other.pk}/")
    assert "页面不存在" in mpage.locator("h1").inner_text()
    assert other.number not in mpage.content()
    member.shot("member-other-not-found")

    # The officer records the review decision: more serious than the school found.
    page.locator("#actions summary", has_text="作出复查决定").scroll_into_view_if_needed()
    page.check("input[name=dec-is_bullying][value=true]")
    page.select_option("#id_dec-severity", "serious")
    page.fill("#id_dec-opinion", "经复查，欺凌行为持续时间较长、影响较大，建议学校加强法治教育并安排心理辅导。")
    agreed = page.locator("input[name=dec-agreed_by]")
    assert agreed.count() == 3 and all(agreed.nth(i).is_checked() for i in range(3))
    officer.submit("#actions form[action$='/step/decide/']")
    assert "复查决定已记录" in page.locator(".messages").inner_text()
    assert "已作出复查决定" in page.locator("h1").inner_text()
    decision = page.locator("#decision").inner_text()
    assert "构成欺凌：情节比较恶劣" in decision
    assert "改变学校认定，退回学校重新处理" in decision
    assert page.locator("#panel .badge.ok", has_text="同意").count() == 3
    officer.shot("decided")

    # ... and files it with the city.
    assert page.locator("#actions button[type=submit]").inner_text() == "报杭州市备案"
    page.fill("#id_file-note", "复查结论已送达学校、家长和学生。")
    officer.submit("#actions form[action$='/step/file/']")
    assert "已报上级备案" in page.locator(".messages").inner_text()
    assert "已报上级备案" in page.locator("h1").inner_text()
    assert "报 杭州市 备案" in page.locator("#filing").inner_text()
    assert "查阅权限已于" in page.locator("#panel").inner_text()
    assert page.locator("#actions").count() == 0
    officer.shot("filed")

    # The member's access has ended.
    mpage = member.go(f"/cases/appeals/{appeal.pk}/")
    assert "页面不存在" in mpage.locator("h1").inner_text()

    # The city reads the filing, without a child's or the appellant's name.
    city = journey("city")
    city_urls = track_urls(city)
    city.login("city_a", PASSWORD)
    cpage = city.go("/cases/appeals/")
    assert cpage.locator("table.appeals tbody tr").count() == 1
    cpage.click(f"table.appeals a:text-is('{appeal.number}')")
    cpage.wait_for_url(f"**/cases/appeals/{appeal.pk}/")
    assert "已报上级备案" in cpage.locator("h1").inner_text()
    assert "龚**" in cpage.locator("#appeal").inner_text()
    assert leaked(cpage.content()) == []
    city.shot("city-filing")

    for urls in (officer_urls, member_urls, city_urls):
        assert [u for u in urls if leaked(u)] == []
    appeal.refresh_from_db()
    assert appeal.status == AppealStatus.FILED and appeal.overturned
    assert PanelMember.objects.filter(appeal=appeal).count() == 3
    assert Case.objects.get(pk=appeal.case_id).status == Status.DETERMINED  # back to the school
