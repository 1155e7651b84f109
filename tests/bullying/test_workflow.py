"""The workflow kernel: effective dates, the compare-and-swap advance, and the declared
transition tables that services check and pages read."""

import inspect
import re
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from bullying.errors import ApplicationError
from bullying.workflow import DATE_FLOOR, advance, effective_date, timeline_append
from cases import forms as case_forms
from cases import services as case_services
from cases import views as case_views
from cases.appeals import forms as appeal_forms
from cases.appeals import services as appeal_services
from cases.appeals import views as appeal_views
from cases.appeals.models import APPEAL_TRANSITIONS
from cases.models import CASE_TRANSITIONS, Case, Status
from inspections import forms as inspection_forms
from inspections import services as inspection_services
from inspections.models import INSPECTION_TRANSITIONS, RECTIFICATION_TRANSITIONS
from inspections.views import rectifications as rectification_views
from reporting import forms as reporting_forms
from reporting import services as reporting_services
from reporting.models import REPORT_TRANSITIONS

SHANGHAI = ZoneInfo("Asia/Shanghai")
# 00:30 on 21 November in Shanghai is still 20 November in UTC: "today" is Shanghai's.
JUST_AFTER_MIDNIGHT = datetime(2026, 11, 21, 0, 30, tzinfo=SHANGHAI)

TABLES = [
    (CASE_TRANSITIONS, case_services, case_forms),
    (APPEAL_TRANSITIONS, appeal_services, appeal_forms),
    (INSPECTION_TRANSITIONS, inspection_services, inspection_forms),
    (RECTIFICATION_TRANSITIONS, inspection_services, inspection_forms),
    (REPORT_TRANSITIONS, reporting_services, reporting_forms),
]


# ---------------------------------------------------------------------------------------
# effective_date


@time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False)
def test_a_step_without_a_date_happened_today_in_shanghai():
    assert effective_date(None) == date(2026, 11, 21)


@time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False)
def test_it_rejects_a_future_date():
    with pytest.raises(ApplicationError) as refused:
        effective_date(date(2026, 11, 22), field="received_on")
    assert refused.value.field == "received_on"
    assert "晚于今天" in refused.value.message


@time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False)
def test_it_rejects_a_date_before_the_step_it_follows():
    with pytest.raises(ApplicationError) as refused:
        effective_date(date(2026, 11, 1), after=date(2026, 11, 2), after_label="受理日期")
    assert refused.value.message == "日期不能早于受理日期（2026-11-02）。"
    assert effective_date(date(2026, 11, 2), after=date(2026, 11, 2)) == date(2026, 11, 2)


@time_machine.travel(JUST_AFTER_MIDNIGHT, tick=False)
def test_it_rejects_a_date_before_the_floor_and_a_datetime():
    with pytest.raises(ApplicationError):
        effective_date(date(DATE_FLOOR.year - 1, 12, 31))
    with pytest.raises(ApplicationError) as refused:
        effective_date(datetime(2026, 11, 20, 9, tzinfo=SHANGHAI))
    assert refused.value.message == "日期格式应为 YYYY-MM-DD。"


# ---------------------------------------------------------------------------------------
# advance


@pytest.fixture
def reported_case(tree, personas):
    school = tree["A"]
    chair = personas["chair_a"]
    with time_machine.travel(datetime(2026, 11, 20, 10, tzinfo=SHANGHAI), tick=False):
        yield case_services.case_open(
            actor=chair,
            school=school,
            occurred_at=datetime(2026, 11, 19, 10, tzinfo=SHANGHAI),
            location="操场",
            source="staff",
            forms=["verbal"],
            summary="课间起绰号。",
            parties=[{"role": "victim", "name": "测试甲"}],
        )


def test_advance_moves_the_status_and_the_last_step_date(reported_case):
    advance(
        reported_case,
        to=Status.INVESTIGATING,
        on=date(2026, 11, 20),
        fields={"investigation_started_on": date(2026, 11, 20)},
    )

    stored = Case.objects.get(pk=reported_case.pk)
    assert stored.status == Status.INVESTIGATING
    assert stored.investigation_started_on == date(2026, 11, 20)
    assert stored.last_step_on == date(2026, 11, 20)


def test_advance_refuses_when_another_request_moved_the_row_first(reported_case):
    """GIVEN two requests that read the same reported case
    WHEN both try to move it on
    THEN the second loses the race with a clear message and writes nothing."""
    first = Case.objects.get(pk=reported_case.pk)
    second = Case.objects.get(pk=reported_case.pk)
    advance(first, to=Status.INVESTIGATING, fields={"investigation_started_on": date(2026, 11, 20)})

    with pytest.raises(ApplicationError) as lost:
        advance(second, to=Status.CLOSED, fields={"closing_summary": "不应写入"})

    assert "已由他人办理" in lost.value.message
    stored = Case.objects.get(pk=reported_case.pk)
    assert stored.status == Status.INVESTIGATING
    assert stored.closing_summary == ""


def test_timeline_append_writes_the_case_timeline(reported_case):
    entry = timeline_append(reported_case, actor=None, on=date(2026, 11, 20), kind="note", text="记录。", extra=1)

    assert entry.case_id == reported_case.pk and entry.data == {"extra": 1}
    with pytest.raises(ValueError):
        entry.save()
    with pytest.raises(ValueError):
        entry.delete()


def test_a_step_from_the_wrong_status_is_refused_with_the_tables_message(reported_case):
    with pytest.raises(ApplicationError) as refused:
        CASE_TRANSITIONS.check(reported_case, "close")
    assert refused.value.message == "当前状态为“已受理”，不能结案（需处于：已认定、跟踪观察）。"


# ---------------------------------------------------------------------------------------
# The tables are consistent with the services, the views and the templates


def _function_source(func) -> str:
    """The text of ``func`` read from its module's file now (not by cached line numbers)."""
    func = inspect.unwrap(func)
    text = Path(inspect.getfile(func)).read_text()
    start = text.index(f"\ndef {func.__name__}(")
    end = re.search(r"\n(@|def |class |[A-Za-z_]+ = )", text[start + 1 :])
    return text[start : start + 1 + end.start()] if end else text[start:]


@pytest.mark.parametrize("table,services,forms", TABLES, ids=lambda v: getattr(v, "model_label", ""))
def test_every_step_names_a_service_that_checks_it_and_an_existing_form(table, services, forms):
    for t in table:
        source = _function_source(getattr(services, t.service))
        checks = re.search(rf'_TRANSITIONS(\.check\([^)]*"{t.name}"|\["{t.name}"\]\.offered)', source)
        assert checks, f"{t.service} does not check {table.model_label}.{t.name}"
        if t.form:
            assert hasattr(forms, t.form), f"{t.form} is not in {forms.__name__}"


def _view_steps(func) -> set[str]:
    return set(re.findall(r'^\s+"([a-z_]+)": \(', inspect.getsource(func), re.M))


@pytest.mark.parametrize(
    "table,steps",
    [
        (CASE_TRANSITIONS, _view_steps(case_views._steps) | {"sign_off"}),
        (APPEAL_TRANSITIONS, _view_steps(appeal_views._steps) | {"panel"}),
        (RECTIFICATION_TRANSITIONS, set(rectification_views.STEPS)),
    ],
    ids=["cases", "appeals", "rectifications"],
)
def test_every_step_a_view_runs_is_declared(table, steps):
    assert steps
    assert steps <= {t.name for t in table}


@pytest.mark.parametrize(
    "template,url_name,table",
    [
        ("cases/case_detail.html", "cases:step", CASE_TRANSITIONS),
        ("appeals/appeal_detail.html", "appeals:step", APPEAL_TRANSITIONS),
        ("inspections/rectification_detail.html", "inspections:rectification_step", RECTIFICATION_TRANSITIONS),
    ],
)
def test_every_step_a_template_posts_is_declared_with_its_form(template, url_name, table):
    text = (Path(settings.BASE_DIR) / "templates" / template).read_text()
    posted = re.findall(rf"{{% url '{url_name}' \S+ '(\w+)' %}}(.*)", text)
    assert posted
    for step, rest in posted:
        assert step in table, f"{template} posts undeclared step {step}"
        form = re.search(r"with form=(\w+)", rest)
        if form:
            assert form.group(1) == table[step].context_key
    for key in re.findall(r'"(\w+)" in visible_forms', text):
        assert table.by_context_key(key) is not None, f"{template} shows undeclared form {key}"
