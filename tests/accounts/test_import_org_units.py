"""``manage.py import_org_units FILE``: all or nothing, every bad line named, in Chinese."""

import csv
import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from accounts.management.commands.import_org_units import Command as ImportCommand
from accounts.models import OrgUnit
from accounts.selectors import org_units_visible_to
from bullying.audit.models import AuditEvent
from tests.conftest import TREE

HEADER = ["code", "name", "level", "parent_code"]


def write_csv(path: Path, rows, header=HEADER, encoding="utf-8") -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if header is not None:
        writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(path: Path, rows, header=HEADER) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(list(row))
    workbook.save(path)
    return path


def run_import(path: Path) -> str:
    out = io.StringIO()
    call_command("import_org_units", str(path), stdout=out)
    return out.getvalue()


def import_error(path: Path) -> str:
    with pytest.raises(CommandError) as exc:
        run_import(path)
    return str(exc.value)


def offending_lines(message: str) -> set[int]:
    """The line numbers the error message blames (each error starts with 第 N 行)."""
    lines: set[int] = set()
    for group in re.findall(r"^第 ([\d、]+) 行", message, flags=re.MULTILINE):
        lines.update(int(n) for n in group.split("、"))
    return lines


def snapshot() -> list[tuple]:
    return list(OrgUnit.objects.order_by("code").values_list("code", "name", "level", "parent__code", "path"))


def assert_paths_consistent() -> None:
    """Every unit's materialised path is its parent's path plus its own id."""
    for unit in OrgUnit.objects.select_related("parent"):
        expected = (unit.parent.path if unit.parent else "/") + f"{unit.pk}/"
        assert unit.path == expected, unit.code


# ---------------------------------------------------------------------------
# Good files


def test_it_imports_a_csv_whose_rows_come_children_first(db, tmp_path):
    """GIVEN an empty database and a file listing schools before their county, city, province
    WHEN it is imported
    THEN every unit exists under its parent, with a consistent path."""
    path = write_csv(tmp_path / "units.csv", list(reversed(TREE)))

    out = run_import(path)

    assert "新增 10，更新 0，未变 0" in out
    assert [row[:4] for row in snapshot()] == sorted((c, n, lv, p or None) for c, n, lv, p in TREE)
    assert OrgUnit.objects.get(code="2133010601").parent.code == "330106"
    assert_paths_consistent()
    assert AuditEvent.objects.filter(action="org_units.imported").count() == 1


def test_it_imports_an_xlsx_with_numeric_code_cells(db, tmp_path):
    rows = [(int(code), name, level, int(parent) if parent else None) for code, name, level, parent in TREE]
    path = write_xlsx(tmp_path / "units.xlsx", rows[::-1])

    out = run_import(path)

    assert "新增 10" in out
    assert set(OrgUnit.objects.values_list("code", flat=True)) == {row[0] for row in TREE}
    assert OrgUnit.objects.get(code="330105").parent.code == "330100"
    assert_paths_consistent()


def test_it_reads_a_csv_saved_by_excel_with_a_bom_or_in_gb18030(db, tmp_path):
    bom = write_csv(tmp_path / "bom.csv", TREE[:3], encoding="utf-8-sig")
    run_import(bom)
    gbk = write_csv(tmp_path / "gbk.csv", TREE[3:6], encoding="gb18030")
    run_import(gbk)

    assert OrgUnit.objects.get(code="330106").name == "杭州市西湖区"
    assert OrgUnit.objects.count() == 6


def test_a_second_run_of_the_same_file_changes_nothing(db, tmp_path):
    path = write_csv(tmp_path / "units.csv", TREE)
    run_import(path)
    before = snapshot()

    out = run_import(path)

    assert "新增 0，更新 0，未变 10" in out
    assert snapshot() == before
    assert AuditEvent.objects.filter(action="org_units.imported").count() == 1


def test_a_second_run_of_the_same_xlsx_changes_nothing(db, tmp_path):
    path = write_xlsx(tmp_path / "units.xlsx", TREE)
    run_import(path)
    before = snapshot()

    out = run_import(path)

    assert "新增 0，更新 0，未变 10" in out
    assert snapshot() == before


def test_it_updates_the_name_of_an_existing_code(tree, tmp_path):
    path = write_csv(tmp_path / "rename.csv", [("2133010601", "西湖区实验小学（新校区）", "school", "330106")])

    out = run_import(path)

    assert "新增 0，更新 1，未变 0" in out
    assert OrgUnit.objects.get(code="2133010601").name == "西湖区实验小学（新校区）"
    assert OrgUnit.objects.count() == len(TREE)


def test_moving_a_county_to_another_city_rewrites_the_path_of_its_whole_subtree(tree, tmp_path):
    """GIVEN county X with two schools under city CA
    WHEN a file moves X under city CB
    THEN X and both schools carry CB's path, and the scope rule follows at once."""
    path = write_csv(tmp_path / "move.csv", [("330106", "杭州市西湖区", "county", "330200")])

    out = run_import(path)

    assert "更新 1" in out
    moved = {u.code: u for u in OrgUnit.objects.filter(code__in=["330106", "2133010601", "2133010602"])}
    cb = OrgUnit.objects.get(code="330200")
    assert moved["330106"].parent == cb
    assert moved["330106"].path == f"{cb.path}{moved['330106'].pk}/"
    assert moved["2133010601"].path == f"{moved['330106'].path}{moved['2133010601'].pk}/"
    assert moved["2133010602"].path == f"{moved['330106'].path}{moved['2133010602'].pk}/"
    assert OrgUnit.objects.get(code="2133010501").path.startswith(OrgUnit.objects.get(code="330100").path)
    assert_paths_consistent()


def test_after_a_move_the_new_city_sees_the_schools_and_the_old_city_does_not(personas, tmp_path):
    run_import(write_csv(tmp_path / "move.csv", [("330106", "杭州市西湖区", "county", "330200")]))

    assert org_units_visible_to(personas["city_b"]).filter(code="2133010601").exists()
    assert not org_units_visible_to(personas["city_a"]).filter(code="2133010601").exists()


def test_moving_a_city_and_adding_a_school_below_it_in_one_file_keeps_every_path_right(tree, tmp_path):
    """GIVEN city CA with county X below it
    WHEN one file moves CA to a new province, repeats X unchanged, and adds a school under X
    THEN the new school's path runs through the new province (not the stale one)."""
    rows = [
        ("2133010699", "西湖区新建小学", "school", "330106"),
        ("330106", "杭州市西湖区", "county", "330100"),
        ("330100", "杭州市", "city", "340000"),
        ("340000", "另一省", "province", ""),
    ]

    run_import(write_csv(tmp_path / "move.csv", rows))

    school = OrgUnit.objects.get(code="2133010699")
    assert school.path.startswith(OrgUnit.objects.get(code="340000").path)
    assert_paths_consistent()


def test_moving_a_county_whose_city_moves_in_the_same_file_keeps_every_path_right(tree, tmp_path):
    rows = [
        ("330105", "杭州市拱墅区", "county", "330200"),
        ("330200", "宁波市", "city", "340000"),
        ("340000", "另一省", "province", ""),
        ("330100", "杭州市", "city", "340000"),
    ]

    run_import(write_csv(tmp_path / "move.csv", rows))

    assert OrgUnit.objects.get(code="2133010501").path.startswith(OrgUnit.objects.get(code="330200").path)
    assert_paths_consistent()


# ---------------------------------------------------------------------------
# Bad files: nothing written, every bad line named


@pytest.fixture
def unchanged(tree):
    """Asserts after the test that the tree and the audit log are exactly as before."""
    before = snapshot()
    audit_before = AuditEvent.objects.count()
    yield
    assert snapshot() == before
    assert AuditEvent.objects.count() == audit_before


def test_it_rejects_an_unknown_level_and_names_the_line(unchanged, tmp_path):
    rows = [("330107", "杭州市上城区", "county", "330100"), ("330108", "某街道", "town", "330100")]

    message = import_error(write_csv(tmp_path / "bad.csv", rows))

    assert offending_lines(message) == {3}
    assert "第 3 行：层级“town”无效" in message


def test_it_rejects_a_missing_parent_and_names_the_line(unchanged, tmp_path):
    rows = [("330107", "杭州市上城区", "county", "330100"), ("2133010701", "上城区小学", "school", "999999")]

    message = import_error(write_csv(tmp_path / "bad.csv", rows))

    assert offending_lines(message) == {3}
    assert "第 3 行：上级代码 999999 不存在" in message


def test_it_rejects_a_region_without_a_parent(unchanged, tmp_path):
    message = import_error(write_csv(tmp_path / "bad.csv", [("330107", "杭州市上城区", "county", "")]))

    assert offending_lines(message) == {2}
    assert "必须填写上级代码" in message


def test_it_rejects_a_file_with_a_cycle_and_names_both_lines(unchanged, tmp_path):
    rows = [
        ("330107", "杭州市上城区", "county", "330100"),
        ("440100", "甲市", "city", "440200"),
        ("440200", "乙市", "city", "440100"),
    ]

    message = import_error(write_csv(tmp_path / "bad.csv", rows))

    assert "第 3、4 行：上级关系构成循环" in message
    assert offending_lines(message) == {3, 4}


def test_it_rejects_a_unit_that_is_its_own_parent(unchanged, tmp_path):
    message = import_error(write_csv(tmp_path / "bad.csv", [("440100", "甲市", "city", "440100")]))

    assert "第 2 行：上级代码不能是自身" in message


def test_it_rejects_a_school_above_a_county_and_names_the_county_line(unchanged, tmp_path):
    rows = [
        ("2133010699", "某小学", "school", "330106"),
        ("330199", "某县", "county", "2133010699"),
    ]

    message = import_error(write_csv(tmp_path / "bad.csv", rows))

    assert "第 3 行：县（区）级单位不能隶属于学校级单位 2133010699" in message
    assert offending_lines(message) == {3}


def test_it_rejects_a_county_under_an_existing_school(unchanged, tmp_path):
    message = import_error(write_csv(tmp_path / "bad.csv", [("330199", "某县", "county", "2133010601")]))

    assert "第 2 行：县（区）级单位不能隶属于学校级单位 2133010601" in message


def test_it_rejects_a_level_change_that_would_put_a_unit_below_its_children(unchanged, tmp_path):
    message = import_error(write_csv(tmp_path / "bad.csv", [("330106", "杭州市西湖区", "school", "330100")]))

    assert offending_lines(message) == {2}
    assert "下级单位 2133010601" in message


def test_it_rejects_a_duplicate_code_and_names_both_lines(unchanged, tmp_path):
    rows = [
        ("330107", "杭州市上城区", "county", "330100"),
        ("330108", "杭州市下城区", "county", "330100"),
        ("330107", "杭州市上城区（重复）", "county", "330100"),
    ]

    message = import_error(write_csv(tmp_path / "bad.csv", rows))

    assert "第 4 行：代码 330107 与第 2 行重复" in message
    assert offending_lines(message) == {4}


def test_it_names_every_offending_line_of_a_file_with_several_faults(unchanged, tmp_path):
    rows = [
        ("330107", "杭州市上城区", "county", "330100"),  # 2 fine
        ("330108", "某街道", "town", "330100"),  # 3 unknown level
        ("2133010701", "上城区小学", "school", "330107"),  # 4 fine
        ("2133010702", "某小学", "school", "999999"),  # 5 missing parent
        ("330107", "重复", "county", "330100"),  # 6 duplicate
        ("", "无代码", "school", "330107"),  # 7 no code
        ("2133010703", "", "school", "330107"),  # 8 no name
    ]

    message = import_error(write_csv(tmp_path / "bad.csv", rows))

    assert offending_lines(message) == {3, 5, 6, 7, 8}
    assert "未导入任何单位" in message


def test_a_bad_xlsx_is_rejected_whole_with_its_line_numbers(unchanged, tmp_path):
    rows = [("330107", "杭州市上城区", "county", "330100"), ("330108", "某街道", "town", "330100")]

    message = import_error(write_xlsx(tmp_path / "bad.xlsx", rows))

    assert offending_lines(message) == {3}


def test_it_rejects_a_file_missing_a_column(unchanged, tmp_path):
    path = write_csv(tmp_path / "bad.csv", [("330107", "杭州市上城区", "county")], header=["code", "name", "level"])

    message = import_error(path)

    assert "缺少列 parent_code" in message


def test_it_rejects_an_empty_file(unchanged, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")

    assert "文件为空" in import_error(path)


def test_it_rejects_a_file_with_a_header_and_no_units(unchanged, tmp_path):
    path = write_csv(tmp_path / "header_only.csv", [])

    assert "没有任何单位" in import_error(path)


def test_it_rejects_an_empty_workbook(unchanged, tmp_path):
    path = tmp_path / "empty.xlsx"
    openpyxl.Workbook().save(path)

    assert "文件为空" in import_error(path)


def test_it_rejects_a_file_with_the_wrong_extension(unchanged, tmp_path):
    path = write_csv(tmp_path / "units.txt", TREE)

    assert "只支持 .csv 或 .xlsx 文件" in import_error(path)


def test_it_rejects_a_csv_renamed_to_xlsx(unchanged, tmp_path):
    path = write_csv(tmp_path / "units.xlsx", TREE)

    assert "无法读取 Excel 文件" in import_error(path)


def test_it_rejects_a_file_that_does_not_exist(unchanged, tmp_path):
    assert "文件不存在" in import_error(tmp_path / "nowhere.csv")


def test_a_bad_file_makes_the_command_exit_with_status_1_and_print_the_lines(unchanged, tmp_path, capsys, monkeypatch):
    """Run the command as the shell does (``run_from_argv``), to see the exit status."""
    # run_from_argv closes every connection when it ends, which would end the test's
    # transaction; the command's work is done by then.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    path = write_csv(tmp_path / "bad.csv", [("330108", "某街道", "town", "330100")])

    with pytest.raises(SystemExit) as exc:
        ImportCommand().run_from_argv(["manage.py", "import_org_units", str(path), "--skip-checks"])

    assert exc.value.code == 1
    assert offending_lines(capsys.readouterr().err) == {2}


def test_blank_lines_are_skipped_but_the_line_numbers_stay_those_of_the_file(unchanged, tmp_path):
    rows = [("330107", "杭州市上城区", "county", "330100"), ("", "", "", ""), ("330108", "某街道", "town", "330100")]

    from_csv = import_error(write_csv(tmp_path / "bad.csv", rows))
    from_xlsx = import_error(write_xlsx(tmp_path / "bad.xlsx", [rows[0], (None,) * 4, rows[2]]))

    assert offending_lines(from_csv) == {4}
    assert offending_lines(from_xlsx) == {4}
