"""Every cell an export writes is neutralised against formula injection (OWASP)."""

from datetime import date
from io import BytesIO
from types import SimpleNamespace

import pytest
from openpyxl import Workbook, load_workbook

from bullying.excel import safe_cell, write_sheet
from inspections.reports import results_workbook
from reporting.exports import statistics_workbook

PAYLOAD = '=HYPERLINK("x")'


def _cells(content: bytes) -> list:
    wb = load_workbook(BytesIO(content))
    return [cell for ws in wb.worksheets for row in ws.iter_rows() for cell in row]


def _assert_not_a_formula(content: bytes) -> None:
    cells = [c for c in _cells(content) if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells, "the payload was not written"
    for cell in cells:
        assert cell.data_type != "f"
        assert not cell.value.startswith("=")
        assert cell.value.startswith("'=HYPERLINK")


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_gets_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["正常文本", "", 3, -3, 1.5, None, date(2026, 11, 20)])
def test_other_values_pass_unchanged(value):
    assert safe_cell(value) == value


def test_the_sheet_writer_neutralises_caption_headers_and_rows():
    wb = Workbook()
    write_sheet(wb, title="t", caption=PAYLOAD, columns=[PAYLOAD, ("b", 10)], rows=iter([[PAYLOAD, 1]]))
    out = BytesIO()
    wb.save(out)
    _assert_not_a_formula(out.getvalue())


def test_the_statistics_export_writes_no_formula():
    completeness = [SimpleNamespace(unit=SimpleNamespace(name=PAYLOAD), label=PAYLOAD, stat_return=None)]
    figures = {"sections": [{"title": "事件", "rows": [(PAYLOAD, 1)]}]}
    _assert_not_a_formula(statistics_workbook(PAYLOAD, "2026年", figures, completeness))


@pytest.mark.django_db
def test_the_inspection_results_export_writes_no_formula():
    unit = SimpleNamespace(name=PAYLOAD, level="school", parent=None, path="0001")
    inspection = SimpleNamespace(
        pk=-1,
        target=unit,
        target_id=-1,
        office=SimpleNamespace(name="县教育局"),
        inspected_on=date(2026, 11, 20),
        is_spot_check=False,
        is_unannounced=False,
        score=None,
        summary=PAYLOAD,
        get_kind_display=lambda: "督导检查",
    )
    _assert_not_a_formula(results_workbook([inspection], title=PAYLOAD, generated_by="督导员"))
