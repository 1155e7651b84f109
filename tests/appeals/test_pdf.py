"""The review decision (复查决定书): one PDF with a letter to the school, the parents and
the students, in Chinese, with every name masked."""

import subprocess

import pytest

from bullying.errors import ApplicationError
from cases.appeals.pdf import review_decision_pdf

from .conftest import APPELLANT, leaked


def text_of(content: bytes, tmp_path) -> str:
    """pdftotext's reading with all white space removed (a line may break mid-phrase)."""
    path = tmp_path / "decision.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return "".join(out.stdout.decode("utf-8").split())


def pages_of(content: bytes, tmp_path) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(content)
    out = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True).stdout.decode()
    return int(next(line.split()[-1] for line in out.splitlines() if line.startswith("Pages:")))


def test_the_decision_is_one_letter_per_addressee_with_names_masked(decided, make_case, personas, tmp_path):
    appeal = decided(make_case(to="closed"), severity="serious")
    content = review_decision_pdf(appeal=appeal, viewer=personas["officer_x"])
    assert content.startswith(b"%PDF")
    text = text_of(content, tmp_path)
    assert text.count("学生欺凌事件复查决定书") == 3
    for addressee in ["送达：学校", "送达：家长（监护人）", "送达：学生"]:
        assert addressee in text
    assert pages_of(content, tmp_path) >= 3
    assert "杭州市西湖区防治学生欺凌工作部门" in text
    assert appeal.number in text
    assert "构成学生欺凌，属于情节比较恶劣的欺凌" in text
    assert "改变学校的认定结论" in text
    assert "本事件退回学校重新处理" in text
    assert "2026年10月8日" in text
    assert "龚**" in text and "韦**" in text
    assert not leaked(text)
    assert APPELLANT not in text
    assert "受欺凌学生父亲" in text


def test_a_confirming_decision_says_the_school_finding_stands(decided, personas, tmp_path):
    appeal = decided()
    text = text_of(review_decision_pdf(appeal=appeal, viewer=personas["city_a"]), tmp_path)
    assert "维持学校的认定结论" in text
    assert "调查小组成员一致同意本复查结论" in text
    assert not leaked(text)


def test_there_is_no_decision_to_print_before_the_review_decides(reviewing, personas):
    with pytest.raises(ApplicationError, match="尚未作出复查决定"):
        review_decision_pdf(appeal=reviewing(), viewer=personas["officer_x"])
