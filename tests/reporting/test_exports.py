"""Excel exports reopen with Chinese headers; the PDF summary carries Chinese text, its
SVG charts included, and never a child's name."""

import subprocess
from io import BytesIO

from openpyxl import load_workbook

from tests.cases.conftest import leaked_names


def text_of_pdf(content: bytes, tmp_path) -> str:
    path = tmp_path / "summary.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def all_cells(workbook) -> str:
    return "\n".join(
        str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    )


def test_the_dashboard_export_reopens_with_every_table_and_chinese_headers(client_for, mixed, tree):
    mixed()
    response = client_for("city_a").get("/reporting/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = load_workbook(BytesIO(response.content))
    for sheet in (
        "事件总体情况",
        "严重程度",
        "欺凌形式",
        "线索来源",
        "年级分布",
        "月度趋势",
        "调查处理时效（10日）",
        "事件报告时效",
        "申诉与复查",
        "下级单位排名",
        "调查超期清单",
        "漏报清单",
        "疑似瞒报",
        "迟报报告",
    ):
        assert sheet in wb.sheetnames, sheet
    league = wb["下级单位排名"]
    headers = [c.value for c in league[2]]
    assert headers[:6] == ["单位", "事件数", "办理中", "调查超期", "超期认定", "超期率"]
    assert {row[0] for row in league.iter_rows(min_row=3, values_only=True)} == {"杭州市西湖区", "杭州市拱墅区"}
    summary = {row[0]: row[1] for row in wb["事件总体情况"].iter_rows(min_row=3, values_only=True)}
    assert summary["受理事件"] == 9  # the city's nine cases; county Z's one is not its business
    missing = [row[0] for row in wb["漏报清单"].iter_rows(min_row=3, values_only=True)]
    assert len(missing) == 1
    assert leaked_names(all_cells(wb)) == []


def test_the_statistics_export_has_the_table_and_who_submitted(client_for, tree, personas, mixed):
    mixed()
    response = client_for("officer_x").get("/reporting/statistics/export.xlsx", {"period": "2026-11"})
    wb = load_workbook(BytesIO(response.content))
    assert wb.sheetnames == ["基本情况统计表", "下级报送情况"]
    assert [c.value for c in wb["基本情况统计表"][2]] == ["类别", "项目", "数值"]
    schools = [row[:2] for row in wb["下级报送情况"].iter_rows(min_row=3, values_only=True)]
    assert schools == [("西湖区实验小学", "待报送"), ("西湖区第一中学", "待报送")]


def test_the_pdf_summary_has_chinese_text_and_its_charts(client_for, mixed, tmp_path):
    mixed()
    response = client_for("officer_x").get("/reporting/summary.pdf", {"period": "2026-11"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = text_of_pdf(response.content, tmp_path)
    for phrase in (
        "学生欺凌防治工作情况摘要",
        "杭州市西湖区",
        "2026年11月",
        "事件总体情况",
        "西湖区实验小学",
        "超期率",
    ):
        assert phrase in text, phrase
    # Words that appear only inside the SVG charts: the charts were drawn with CJK text.
    for phrase in ("图1", "按时报送", "受理事件"):
        assert phrase in text, phrase
    assert leaked_names(text) == []
    png = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(tmp_path / "summary.pdf"), str(png)], check=True
    )
    assert list(tmp_path.glob("page*.png"))


def test_the_pdf_of_a_unit_out_of_scope_is_404(client_for, tree):
    assert client_for("officer_x").get("/reporting/summary.pdf", {"org_unit": tree["Y"].pk}).status_code == 404
    assert client_for("officer_x").get("/reporting/export.xlsx", {"org_unit": tree["Z"].pk}).status_code == 404
