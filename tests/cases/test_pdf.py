"""The printable case file (专门档案) and the determination notice to parents."""

import datetime as dt
import subprocess
from zoneinfo import ZoneInfo

import pytest
import time_machine

from bullying.errors import ApplicationError
from cases import pdf, services
from cases.models import MeasureKind, PartyRole

SHANGHAI = ZoneInfo("Asia/Shanghai")
CANARY = "甄秘密"
CANARY_NO = "G330106201501010011"
NOW = dt.datetime(2026, 3, 20, 10, 0, tzinfo=SHANGHAI)


def d(day: int) -> dt.date:
    return dt.date(2026, 3, day)


@pytest.fixture(autouse=True)
def _march_2026():
    with time_machine.travel(NOW, tick=False):
        yield


def text_of(content: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it, with all white space removed
    (a line break may fall inside a Chinese phrase)."""
    path = tmp_path / "out.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def open_case(personas, tree):
    return services.case_open(
        actor=personas["chair_a"],
        school=tree["A"],
        occurred_at=dt.datetime(2026, 3, 2, 8, 30, tzinfo=SHANGHAI),
        location="教学楼三楼走廊",
        source="staff",
        forms=["physical", "verbal"],
        summary=f"课间{CANARY}在走廊被同学推搡并辱骂，值班教师发现后当即制止。",
        parties=[
            {"role": PartyRole.VICTIM, "name": CANARY, "student_no": CANARY_NO, "grade": "五年级", "class_name": "2班"},
            {"role": PartyRole.PERPETRATOR, "name": "李强强", "grade": "五年级", "class_name": "3班"},
            {"role": PartyRole.WITNESS, "name": "王见证", "grade": "五年级", "class_name": "2班"},
        ],
        on=d(2),
    )


@pytest.fixture
def bullying_case(personas, tree):
    """GIVEN a case of school A found to be minor bullying, with measures, a parent
    notice and the start of follow-up."""
    chair = personas["chair_a"]
    case = open_case(personas, tree)
    services.case_notify_parents(
        actor=chair, case=case, direction="to_parents", method="phone", guardian="母亲 甄女士", on=d(2)
    )
    services.case_start_investigation(actor=chair, case=case, on=d(3))
    services.case_determine(
        actor=chair,
        case=case,
        is_bullying=True,
        severity="minor",
        reasoning=f"多次故意推搡、辱骂{CANARY}，造成其精神伤害，属情节轻微的一般欺凌。",
        members_present=[personas["member_a"], chair],
        meeting_on=d(10),
        on=d(10),
    )
    victim = case.parties.get(role=PartyRole.VICTIM)
    perpetrator = case.parties.get(role=PartyRole.PERPETRATOR)
    services.case_add_measure(
        actor=chair, case=case, kind=MeasureKind.CRITICISM, party=perpetrator, responsible="班主任", on=d(11)
    )
    plan = services.case_add_measure(
        actor=chair,
        case=case,
        kind=MeasureKind.EDUCATION_PLAN,
        party=perpetrator,
        responsible="德育处",
        planned_hours=8,
        due_on=d(31),
        on=d(11),
    )
    services.case_add_measure(
        actor=chair, case=case, kind=MeasureKind.VICTIM_COUNSELLING, party=victim, responsible="心理教师", on=d(11)
    )
    services.measure_record_progress(actor=chair, measure=plan, completed_hours=8, completed_on=d(18))
    services.case_start_follow_up(actor=chair, case=case, on=d(18))
    services.case_add_follow_up(actor=chair, case=case, party=victim, note="情绪稳定，同学关系正常。", on=d(19))
    case.refresh_from_db()
    return case


def test_the_case_file_is_a_pdf_with_title_school_and_sections(bullying_case, personas, tree, tmp_path):
    content = pdf.case_file_pdf(case=bullying_case, viewer=personas["chair_a"])

    assert content.startswith(b"%PDF")
    text = text_of(content, tmp_path)
    for expected in [
        "学生欺凌事件专门档案",
        tree["A"].name,
        bullying_case.number,
        "内部资料注意保密",
        "chair_a老师",
        "第1页共",
        "基本情况",
        "教学楼三楼走廊",
        "肢体欺凌、语言欺凌",
        "2026年3月2日08:30",
        "调查与认定",
        "2026年3月13日",  # due: 10 days after 3 March
        "情节轻微的一般欺凌",
        "处置措施",
        "专门教育方案（学时）",
        "8/8",
        "家长告知记录",
        "跟踪观察",
        "情绪稳定",
        "处置经过",
        "启动调查处理程序",
    ]:
        assert expected in text, expected


@pytest.mark.parametrize("viewer", ["chair_a", "officer_x"])
def test_the_school_and_its_county_see_names(bullying_case, personas, viewer, tmp_path):
    text = text_of(pdf.case_file_pdf(case=bullying_case, viewer=personas[viewer]), tmp_path)

    assert CANARY in text
    assert CANARY_NO in text


def test_a_city_officer_sees_masked_names_only(bullying_case, personas, tmp_path):
    """GIVEN a city officer, who may read the case but not the children's names
    WHEN they print the case file
    THEN names (also inside free text), student numbers and the guardian are hidden."""
    text = text_of(pdf.case_file_pdf(case=bullying_case, viewer=personas["city_a"]), tmp_path)

    assert CANARY not in text
    assert "甄**" in text
    assert "李**" in text
    assert CANARY_NO not in text
    assert "甄女士" not in text
    assert "课间甄**在走廊" in text


def test_a_case_without_determination_prints_what_is_missing(personas, tree, tmp_path):
    case = open_case(personas, tree)

    text = text_of(pdf.case_file_pdf(case=case, viewer=personas["chair_a"]), tmp_path)

    assert "学生欺凌事件专门档案" in text
    assert "尚未作出认定" in text


def test_an_unsigned_determination_shows_it_awaits_the_chair(personas, tree, tmp_path):
    case = open_case(personas, tree)
    services.case_start_investigation(actor=personas["member_a"], case=case, on=d(3))
    services.case_determine(
        actor=personas["member_a"], case=case, is_bullying=False, reasoning="同学间打闹嬉戏。", on=d(5)
    )

    text = text_of(pdf.case_file_pdf(case=case, viewer=personas["chair_a"]), tmp_path)

    assert "待主任签发" in text
    assert "不构成学生欺凌" in text


def test_the_notice_states_the_finding_measures_and_appeal_route(bullying_case, personas, tree, tmp_path):
    content = pdf.determination_notice_pdf(case=bullying_case, viewer=personas["chair_a"])

    assert content.startswith(b"%PDF")
    text = text_of(content, tmp_path)
    assert "认定结果告知书" in text
    assert "家长（监护人）" in text
    assert tree["A"].name in text
    assert bullying_case.number in text
    assert "2026年3月10日" in text  # meeting
    assert "构成学生欺凌" in text
    assert "情节轻微的一般欺凌" in text
    assert "批评教育" in text
    assert "专门教育方案" in text
    assert "受欺凌学生心理辅导" in text
    assert "申诉" in text
    assert f"{tree['X'].name}防治学生欺凌工作部门" in text
    assert "15日内" in text
    assert f"{tree['A'].name}学生欺凌治理委员会" in text
    assert "草稿" not in text


def test_the_notice_never_carries_a_full_name(bullying_case, personas, tmp_path):
    text = text_of(pdf.determination_notice_pdf(case=bullying_case, viewer=personas["chair_a"]), tmp_path)

    assert CANARY not in text
    assert "李强强" not in text
    assert "王见证" not in text
    assert "甄**" in text


def test_a_notice_of_no_bullying_says_so(personas, tree, tmp_path):
    case = open_case(personas, tree)
    services.case_start_investigation(actor=personas["chair_a"], case=case, on=d(3))
    services.case_determine(
        actor=personas["chair_a"], case=case, is_bullying=False, reasoning="同学间打闹嬉戏。", on=d(5)
    )

    text = text_of(pdf.determination_notice_pdf(case=case, viewer=personas["chair_a"]), tmp_path)

    assert "不构成学生欺凌" in text
    assert "申诉" in text


def test_there_is_no_notice_before_a_determination(personas, tree):
    case = open_case(personas, tree)

    with pytest.raises(ApplicationError, match="尚未作出认定"):
        pdf.determination_notice_pdf(case=case, viewer=personas["chair_a"])


def test_the_api_serves_the_case_file(bullying_case, api_for, tmp_path):
    response = api_for("city_a").get(f"/api/v1/cases/{bullying_case.pk}/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of(response.content, tmp_path)
    assert "甄**" in text
    assert CANARY not in text
