"""An incident report climbing the chain in a real browser (任务四，政策清单第31–33项).

The school's committee reports a serious case from its workbench; the county signs for
it and forwards it; the city opens it and reads the children only as ``张**``: no full
name anywhere in the page, even one the school or the county typed into the free text.
"""

import re

import pytest

from cases.models import PartyRole
from reporting.models import IncidentReport, ReportStatus
from tests.browser_support import school_case, track_urls
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

VICTIM = "龚晓蕾"
PERPETRATOR = "韦大鹏"
WITNESS = "俞小溪"
CANARIES = (VICTIM, PERPETRATOR, WITNESS)


def leaked(text: str) -> list[str]:
    return [name for name in CANARIES if name in text]


def serious_case(personas, tree):
    return school_case(
        personas,
        tree,
        school="A",
        severity="serious",
        parties=[
            {"role": PartyRole.VICTIM, "name": VICTIM, "student_no": "G330106201401019876", "grade": "五年级"},
            {"role": PartyRole.PERPETRATOR, "name": PERPETRATOR, "grade": "五年级", "class_name": "3班"},
            {"role": PartyRole.WITNESS, "name": WITNESS, "grade": "五年级"},
        ],
    )


def test_a_school_report_reaches_the_city_with_the_names_masked(journey, personas, tree):
    """GIVEN a case school A's committee found serious
    WHEN the school reports it, the county signs for it and forwards it
    THEN the city sees the report with each child as 张** and no full name in the page."""
    case = serious_case(personas, tree)

    # The school: the workbench says an initial report is owed; draft it and send it.
    school = journey("school")
    school_urls = track_urls(school)
    school.login("chair_a", PASSWORD)
    page = school.go("/")
    owed = page.locator("section.card", has_text="应报送的事件报告")
    assert case.number in owed.inner_text() and "首报" in owed.inner_text()
    school.shot("workbench")
    owed.locator("a", has_text="起草并报送").click()
    page.wait_for_url(re.compile(r"/reporting/reports/new/\?case=\d+&kind=initial$"))
    draft = page.locator("#id_content").input_value()
    assert "三、涉及人员（姓名已遮蔽）" in draft
    assert "受欺凌学生：龚**" in draft and "实施欺凌学生：韦**" in draft
    assert leaked(draft) == []
    # A name typed by hand is masked too when the report is sent.
    page.fill("#id_content", draft + f"\n\n补充：{VICTIM}的家长已到校沟通，{PERPETRATOR}已向其道歉。")
    school.shot("draft")
    school.submit("main form")
    page.wait_for_url("**/reporting/reports/*/")
    report = IncidentReport.objects.get(case=case)
    assert f"报告已报送，编号 {report.number}" in page.locator(".messages").inner_text()
    assert "待杭州市西湖区签收" in page.locator("main").inner_text()
    assert "补充：龚**的家长已到校沟通，韦**已向其道歉。" in page.locator("main").inner_text()
    school.shot("submitted")

    # The county: the report waits on the workbench; sign for it, then forward it.
    county = journey("county")
    county_urls = track_urls(county)
    county.login("officer_x", PASSWORD)
    cpage = county.go("/")
    incoming = cpage.locator("section.card", has_text="待本级签收或转报")
    assert report.number in incoming.inner_text() and "待签收" in incoming.inner_text()
    incoming.locator(f"a:text-is('{report.number}')").click()
    cpage.wait_for_url(f"**/reporting/reports/{report.pk}/")
    county.shot("to-sign")
    cpage.fill("#id_ack-note", "已收悉，责成学校做好受欺凌学生心理疏导。")
    county.submit("form[action$='/acknowledge/']")
    assert "已签收" in cpage.locator(".messages").inner_text()
    assert "杭州市西湖区已签收" in cpage.locator("main").inner_text()
    forward = cpage.locator("section.card", has_text="转报杭州市")
    assert "前转报" in forward.inner_text()  # serious: the county must pass it on
    cpage.fill("#id_fwd-note", f"经核实，{VICTIM}所受伤害属实，情节比较恶劣，报市教育局。")
    county.submit("form[action$='/forward/']")
    assert "已转报上级" in cpage.locator(".messages").inner_text()
    assert "待杭州市签收" in cpage.locator("main").inner_text()
    hops = cpage.locator("table.data.stack tbody tr")
    assert hops.count() == 2
    assert "经核实，龚**所受伤害属实" in hops.first.inner_text()
    county.shot("forwarded")

    # The city: the report arrives masked; not a single full name in the page's HTML.
    city = journey("city")
    city_urls = track_urls(city)
    city.login("city_a", PASSWORD)
    ypage = city.go("/")
    arrived = ypage.locator("section.card", has_text="待本级签收或转报")
    assert report.number in arrived.inner_text()
    arrived.locator(f"a:text-is('{report.number}')").click()
    ypage.wait_for_url(f"**/reporting/reports/{report.pk}/")
    text = ypage.locator("main").inner_text()
    assert "待杭州市签收" in text
    assert "受欺凌学生：龚**" in text and "实施欺凌学生：韦**" in text
    assert "证人：1 名（身份信息不予报送）" in text
    assert leaked(ypage.content()) == []
    city.shot("city-report")
    ypage.fill("#id_ack-note", "已收悉。")
    city.submit("form[action$='/acknowledge/']")
    assert "已签收" in ypage.locator(".messages").inner_text()
    assert "杭州市已签收" in ypage.locator("main").inner_text()
    assert leaked(ypage.content()) == []
    city.shot("city-signed")

    # The case page the report links to is masked for the city as well.
    ypage.click(f"main a:text-is('{case.number}')")
    ypage.wait_for_url(f"**/cases/{case.pk}/")
    assert "龚**" in ypage.locator("#parties").inner_text()
    assert leaked(ypage.content()) == []
    city.shot("city-case")

    for urls in (school_urls, county_urls, city_urls):
        assert [u for u in urls if leaked(u)] == []
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED and report.current_unit.code == "330100"
    assert leaked(report.content) == [] and not report.is_late
