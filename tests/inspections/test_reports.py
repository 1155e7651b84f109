"""Reports: the inspection report PDF, the Excel export and the league table."""

import io
import subprocess
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from inspections import pdf, reports, services
from inspections.models import InspectionKind, Result
from tests.inspections.conftest import answer_all

pytestmark = pytest.mark.django_db


def text_of(content: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it, white space removed (a line may break inside a phrase)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def test_the_inspection_report_pdf_is_in_chinese(submitted_supervision, personas, tmp_path):
    inspection = submitted_supervision()
    services.rectification_raise(
        actor=personas["inspector_a"], inspection=inspection, number=30, requirement="严格执行10日时限。", days=10
    )
    content = pdf.inspection_report_pdf(inspection=inspection, viewer=personas["inspector_a"])
    assert content.startswith(b"%PDF-")
    text = text_of(content, tmp_path)
    for phrase in (
        "督导检查报告",
        "西湖区实验小学",
        "杭州市",
        "明确学生欺凌的界定",
        "10日内完成调查",
        "未落实",
        "抽查档案，调查处理超过10日且无延期说明。",
        "严格执行10日时限。",
        f"{inspection.score}",
    ):
        assert phrase in text, phrase
    # A look at the first page (rendered, not parsed): it must be a real page image.
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "report.pdf"), str(tmp_path / "p")],
        check=True,
    )
    assert any(p.stat().st_size > 10_000 for p in tmp_path.glob("p*.png"))


def test_a_draft_report_says_it_is_a_draft(supervision, personas, tmp_path):
    inspection = supervision()
    text = text_of(pdf.inspection_report_pdf(inspection=inspection, viewer=personas["inspector_a"]), tmp_path)
    assert "草稿" in text and "未检查" in text


def test_a_self_check_report_is_titled_as_such(tree, personas, tmp_path):
    chair = personas["chair_a"]
    inspection = services.inspection_create(actor=chair, target=tree["A"], kind=InspectionKind.SELF_CHECK)
    answer_all(inspection, chair)
    services.inspection_submit(actor=chair, inspection=inspection)
    text = text_of(pdf.inspection_report_pdf(inspection=inspection, viewer=chair), tmp_path)
    assert "对照政策清单自查报告" in text and "100.0" in text


def test_the_pdf_endpoints_answer_for_readers_only(client_for, api_for, submitted_supervision):
    inspection = submitted_supervision()
    response = client_for("chair_a").get(f"/inspections/{inspection.pk}/pdf/")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert client_for("chair_z").get(f"/inspections/{inspection.pk}/pdf/").status_code == 404
    api = api_for("officer_x").get(f"/api/v1/inspections/{inspection.pk}/pdf/")
    assert api.status_code == 200 and api["Content-Disposition"].startswith("attachment")


def _results(personas, submitted_supervision):
    a = submitted_supervision(target="A")
    actor = personas["inspector_a"]
    a2 = services.inspection_create(
        actor=actor, target=a.target.parent.children.get(code="2133010602"), kind="supervision"
    )
    answer_all(a2, actor)
    services.inspection_submit(actor=actor, inspection=a2)
    x = services.inspection_create(actor=actor, target=a.target.parent, kind="supervision")
    answer_all(x, actor, overrides={45: (Result.PARTLY_MET, "复查记录不全。")})
    services.inspection_submit(actor=actor, inspection=x)
    return a, a2, x


def test_the_excel_export_reopens_with_every_unit_and_a_league_per_tier(personas, submitted_supervision, client_for):
    a, a2, x = _results(personas, submitted_supervision)
    response = client_for("inspector_a").get("/inspections/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"] == reports.XLSX_TYPE
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["检查结果", "逐项结果", "排名（县（区））", "排名（学校）"]
    results = wb["检查结果"]
    assert results["B2"].value == "被检查单位"
    names = [results.cell(row=r, column=2).value for r in range(3, results.max_row + 1)]
    assert sorted(names) == sorted([a.target.name, a2.target.name, x.target.name])
    row_a = next(r for r in range(3, results.max_row + 1) if results.cell(row=r, column=2).value == a.target.name)
    assert results.cell(row=row_a, column=10).value == float(a.score)
    assert results.cell(row=row_a, column=13).value == 1  # one item not met
    items = wb["逐项结果"]
    header = [c.value for c in items[2]]
    col_30 = header.index("第30项") + 1
    marks = {
        items.cell(row=r, column=1).value: items.cell(row=r, column=col_30).value for r in range(3, items.max_row + 1)
    }
    assert marks[a.target.name] == "✗" and marks[a2.target.name] == "✓" and not marks[x.target.name]
    schools = wb["排名（学校）"]
    assert [schools.cell(row=r, column=2).value for r in (3, 4)] == [a2.target.name, a.target.name]
    assert [schools.cell(row=r, column=1).value for r in (3, 4)] == [1, 2]


def test_the_export_holds_only_the_callers_scope(personas, submitted_supervision, client_for):
    _results(personas, submitted_supervision)
    response = client_for("inspector_b").get("/inspections/export.xlsx")
    wb = load_workbook(io.BytesIO(response.content))
    assert wb["检查结果"].max_row == 2  # the headings only


def test_equal_scores_share_a_rank(personas, submitted_supervision):
    submitted_supervision(target="A")
    submitted_supervision(target="A2")
    actor = personas["inspector_a"]
    perfect = services.inspection_create(
        actor=actor, target=personas["chair_y"].memberships.get().org_unit, kind="supervision"
    )
    answer_all(perfect, actor)
    services.inspection_submit(actor=actor, inspection=perfect)
    rows = reports.league_table(list(reports.submitted_inspections(actor)), level="school")
    assert [r.rank for r in rows] == [1, 2, 2]
    assert rows[0].score == Decimal("100.0")


def test_the_league_uses_each_units_latest_inspection(personas, submitted_supervision, frozen_today):
    from datetime import date

    submitted_supervision(target="A")
    actor = personas["inspector_a"]
    later = services.inspection_create(
        actor=actor,
        target=personas["chair_a"].memberships.get().org_unit,
        kind="supervision",
        inspected_on=date(2026, 11, 19),
    )
    answer_all(later, actor)
    services.inspection_submit(actor=actor, inspection=later)
    rows = reports.league_table(list(reports.submitted_inspections(actor)), level="school")
    assert len(rows) == 1 and rows[0].inspection == later


def test_the_league_page_renders(client_for, personas, submitted_supervision):
    _results(personas, submitted_supervision)
    page = client_for("city_a").get("/inspections/league/").content.decode()
    assert "学校" in page and "西湖区第一中学" in page and "县（区）" in page
