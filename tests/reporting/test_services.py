"""Writing, signing for and forwarding incident reports; their time limits."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied

from bullying.deadlines.models import Notification
from bullying.errors import ApplicationError
from cases import services as case_services
from cases.models import MeasureKind, PartyRole, TimelineEntry
from reporting import services
from reporting.models import IncidentReport, ReportHop, ReportStatus
from tests.cases.conftest import CANARIES, PERPETRATOR, VICTIM, WITNESS, leaked_names
from tests.reporting.conftest import LATE, ON_TIME, REPORTS, fresh_api

SHANGHAI = ZoneInfo("Asia/Shanghai")


# ---------------------------------------------------------------------------------------
# Submitting


def test_the_draft_holds_the_facts_with_names_masked(serious_case):
    case = serious_case()
    draft = services.report_draft(case=case)
    assert leaked_names(draft) == []
    assert f"{VICTIM[0]}**" in draft and f"{PERPETRATOR[0]}**" in draft
    for fact in ("教学楼三楼走廊", "2026年11月02日", "情节比较恶劣", "专门教育方案"):
        assert fact in draft
    # The draft is for the office above: grade and class, a quasi-identifier beside a
    # masked name, stay at the school (政策清单第33项).
    assert "五年级" not in draft
    # Witnesses are counted, not named, not even masked.
    assert "证人：1 名" in draft and f"{WITNESS[0]}**" not in draft


def test_names_typed_into_the_report_are_masked_before_it_is_stored(personas, serious_case):
    case = serious_case()
    report = services.report_submit(
        actor=personas["chair_a"], case=case, kind="initial", content=f"{VICTIM}被{PERPETRATOR}推搡，{VICTIM}受伤。"
    )
    assert leaked_names(report.content) == []
    assert report.content == f"{VICTIM[0]}**被{PERPETRATOR[0]}**推搡，{VICTIM[0]}**受伤。"


def test_names_in_an_offices_note_are_masked_too(personas, serious_case, report_up):
    report = report_up(serious_case())
    services.report_acknowledge(actor=personas["officer_x"], report=report, note=f"已联系{VICTIM}家长。")
    services.report_forward(actor=personas["officer_x"], report=report, note=f"{PERPETRATOR}已停课反省。")
    note = ReportHop.objects.get(report=report, org_unit__code="330106").note
    assert leaked_names(note) == []
    assert f"{VICTIM[0]}**" in note and f"{PERPETRATOR[0]}**" in note


def test_it_reaches_the_county_with_a_one_day_limit_to_sign(personas, serious_case, frozen_today, audit_count):
    case = serious_case()
    report = services.report_submit(actor=personas["chair_a"], case=case, kind="initial")
    hop = report.hops.get()
    assert (report.status, report.current_unit, hop.org_unit) == (
        ReportStatus.PENDING,
        case.school.parent,
        case.school.parent,
    )
    assert hop.ack_due_at - hop.received_at == timedelta(hours=24)
    assert report.number == f"{case.number}-R1"
    assert TimelineEntry.objects.filter(case=case, kind="report_submitted").count() == 1
    assert audit_count(action="report.submitted") == 1
    # The county officer is told, without names or content.
    note = Notification.objects.get(recipient=personas["officer_x"])
    assert report.number in note.title and leaked_names(note.title) == []


def test_an_initial_report_within_24_hours_of_the_determination_is_on_time(personas, serious_case):
    report = services.report_submit(actor=personas["chair_a"], case=serious_case(), kind="initial", on=ON_TIME)
    assert report.due_at == datetime(2026, 11, 12, 0, 0, tzinfo=SHANGHAI)
    assert report.is_late is False


def test_an_initial_report_after_24_hours_is_marked_late(personas, serious_case):
    report = services.report_submit(actor=personas["chair_a"], case=serious_case(), kind="initial", on=LATE)
    assert report.is_late is True


def test_a_report_of_a_minor_case_is_voluntary_and_never_late(personas, serious_case):
    report = services.report_submit(actor=personas["chair_a"], case=serious_case(severity="minor"), kind="initial")
    assert (report.due_at, report.is_late) == (None, False)


@pytest.mark.parametrize(
    ("kind", "setup", "message"),
    [
        ("follow_up", None, "请先报送首报"),
        ("final", None, "请先报送首报"),
        ("initial", "initial", "已报送首报"),
        ("final", "initial", "结案后方可报送终报"),
        ("bogus", None, "报告类别"),
    ],
)
def test_it_refuses_reports_out_of_order(personas, serious_case, kind, setup, message):
    case = serious_case()
    if setup:
        services.report_submit(actor=personas["chair_a"], case=case, kind=setup)
    before = IncidentReport.objects.count()
    with pytest.raises(ApplicationError, match=message):
        services.report_submit(actor=personas["chair_a"], case=case, kind=kind)
    assert IncidentReport.objects.count() == before


def test_a_final_report_closes_the_loop_and_nothing_follows_it(personas, serious_case):
    case = serious_case(to="closed")
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial", on=ON_TIME)
    final = services.report_submit(actor=personas["chair_a"], case=case, kind="final", on=date(2026, 11, 19))
    assert final.due_at == datetime(2026, 11, 26, 0, 0, tzinfo=SHANGHAI)  # 7 days after 11-18
    assert final.is_late is False
    with pytest.raises(ApplicationError, match="已报送终报"):
        services.report_submit(actor=personas["chair_a"], case=case, kind="follow_up")


@pytest.mark.parametrize("bad_on", [date(2026, 11, 21), date(2026, 11, 1)])
def test_it_refuses_a_future_date_or_one_before_the_case(personas, serious_case, bad_on):
    with pytest.raises(ApplicationError):
        services.report_submit(actor=personas["chair_a"], case=serious_case(), kind="initial", on=bad_on)


@pytest.mark.parametrize("who", ["staff_a", "officer_x", "chair_a2"])
def test_only_the_schools_committee_reports(personas, serious_case, who):
    with pytest.raises(PermissionDenied):
        services.report_submit(actor=personas[who], case=serious_case(), kind="initial")


def test_a_follow_up_is_due_after_a_change_and_late_after_72_hours(personas, serious_case, frozen_today):
    case = serious_case()
    services.report_submit(actor=personas["chair_a"], case=case, kind="initial", on=ON_TIME)
    frozen_today.shift(timedelta(hours=1))
    victim = case.parties.get(role=PartyRole.VICTIM)
    case_services.case_add_measure(
        actor=personas["chair_a"], case=case, kind=MeasureKind.VICTIM_COUNSELLING, party=victim, responsible="心理教师"
    )
    frozen_today.shift(timedelta(hours=80))
    follow_up = services.report_submit(actor=personas["chair_a"], case=case, kind="follow_up")
    assert follow_up.due_at == datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI)  # measure at 11-20 11:00 + 72 h
    assert follow_up.is_late is True


# ---------------------------------------------------------------------------------------
# Signing for and forwarding


def test_signing_late_is_recorded_on_the_hop(personas, serious_case, report_up, frozen_today):
    report = report_up(serious_case())
    frozen_today.shift(timedelta(hours=30))
    services.report_acknowledge(actor=personas["officer_x"], report=report, note="已签收，责成学校续报。")
    hop = ReportHop.objects.get(report=report)
    assert hop.ack_late() is True
    assert hop.note == "已签收，责成学校续报。"
    report.refresh_from_db()
    assert report.status == ReportStatus.ACKNOWLEDGED


def test_a_serious_report_must_be_forwarded_a_minor_one_need_not(personas, serious_case, report_up):
    serious = report_up(serious_case())
    minor = report_up(serious_case(severity="minor"))
    for report in (serious, minor):
        services.report_acknowledge(actor=personas["officer_x"], report=report)
    assert ReportHop.objects.get(report=serious).forward_due_at is not None
    assert ReportHop.objects.get(report=minor).forward_due_at is None
    # The office may still decide to send the minor one up.
    services.report_forward(actor=personas["officer_x"], report=minor, note="家长多次反映，报市知悉。")
    minor.refresh_from_db()
    assert minor.current_unit.code == "330100"


def test_forwarding_needs_signing_first_and_a_note(personas, serious_case, report_up):
    report = report_up(serious_case())
    with pytest.raises(ApplicationError, match="请先签收"):
        services.report_forward(actor=personas["officer_x"], report=report, note="x")
    services.report_acknowledge(actor=personas["officer_x"], report=report)
    with pytest.raises(ApplicationError, match="已签收"):
        services.report_acknowledge(actor=personas["officer_x"], report=report)
    with pytest.raises(ApplicationError, match="处理意见"):
        services.report_forward(actor=personas["officer_x"], report=report, note="  ")
    services.report_forward(actor=personas["officer_x"], report=report, note="报市。")
    with pytest.raises(ApplicationError, match="已转报"):
        services.report_forward(actor=personas["officer_x"], report=report, note="再报。")
    assert ReportHop.objects.filter(report=report).count() == 2


def test_the_province_sends_only_reports_of_wide_public_concern_to_the_ministry(personas, serious_case, report_up):
    report = report_up(serious_case(), up_to="province")
    services.report_acknowledge(actor=personas["province"], report=report)
    with pytest.raises(ApplicationError, match="舆论高度关注"):
        services.report_forward(actor=personas["province"], report=report, note="报部。")
    services.report_forward(
        actor=personas["province"], report=report, note="网络舆情发酵，报教育部。", public_concern=True
    )
    report.refresh_from_db()
    assert report.status == ReportStatus.MINISTRY
    assert report.public_concern is True and report.ministry_reported_at is not None
    assert [h.org_unit.level for h in report.hops.order_by("received_at", "id")] == ["county", "city", "province"]


def test_a_public_concern_report_must_go_up_at_every_tier(personas, serious_case, report_up):
    report = report_up(serious_case(severity="minor"), public_concern=True)
    services.report_acknowledge(actor=personas["officer_x"], report=report)
    assert ReportHop.objects.get(report=report).forward_due_at is not None


# ---------------------------------------------------------------------------------------
# The API: 201, 403 for a role that may see but not act, 400 for a refused step


def test_the_api_creates_a_report_from_the_school(personas, serious_case):
    case = serious_case()
    response = fresh_api(personas["chair_a"]).post(
        REPORTS, {"case": case.pk, "kind": "initial", "content": f"{VICTIM}在走廊被推搡。"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "initial" and body["status"] == "pending"
    assert body["current_unit"]["code"] == "330106"
    assert [h["org_unit"]["code"] for h in body["hops"]] == ["330106"]
    assert not any(name in response.content.decode() for name in CANARIES)


def test_the_api_refuses_an_office_writing_a_report(personas, serious_case):
    response = fresh_api(personas["officer_x"]).post(
        REPORTS, {"case": serious_case().pk, "kind": "initial"}, format="json"
    )
    assert response.status_code == 403
    assert "学校" in response.json()["detail"]


def test_the_api_acknowledge_and_forward_steps(personas, serious_case, report_up):
    report = report_up(serious_case())
    url = f"{REPORTS}{report.pk}/"
    chair = fresh_api(personas["chair_a"])
    assert chair.post(url + "acknowledge/", {}, format="json").status_code == 403  # sees it, may not sign

    county = fresh_api(personas["officer_x"])
    refused = county.post(url + "forward/", {"note": "报市"}, format="json")
    assert refused.status_code == 400 and "签收" in refused.json()["detail"]
    signed = county.post(url + "acknowledge/", {"note": "已签收"}, format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "acknowledged"
    assert county.post(url + "acknowledge/", {}, format="json").status_code == 400
    missing_note = county.post(url + "forward/", {}, format="json")
    assert missing_note.status_code == 400 and "note" in missing_note.json()
    forwarded = county.post(url + "forward/", {"note": "报市教育局"}, format="json")
    assert forwarded.status_code == 200
    assert forwarded.json()["current_unit"]["code"] == "330100"
    assert fresh_api(personas["city_a"]).get(url).status_code == 200


def test_the_api_refuses_a_bad_kind_with_a_chinese_message(personas, serious_case):
    response = fresh_api(personas["chair_a"]).post(REPORTS, {"case": serious_case().pk, "kind": "later"}, format="json")
    assert response.status_code == 400
    assert "kind" in response.json()


def test_the_api_list_filters_by_kind_and_lateness(personas, serious_case):
    on_time, late = serious_case(), serious_case()
    services.report_submit(actor=personas["chair_a"], case=on_time, kind="initial", on=ON_TIME)
    services.report_submit(actor=personas["chair_a"], case=late, kind="initial", on=LATE)
    client = fresh_api(personas["officer_x"])
    assert client.get(REPORTS).json()["count"] == 2
    assert [r["case"] for r in client.get(REPORTS + "?late=true").json()["results"]] == [late.pk]
    assert client.get(REPORTS + "?kind=final").json()["count"] == 0
