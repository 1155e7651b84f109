"""Pages of the statutory calendar.

Every signed-in user reads the calendar, the rule that applies to their units, and can
work out a due date step by step. Only a system administrator changes the calendar or a
region's rule; for anyone else the write URLs do not exist (404, audited).
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import has_role, memberships_of, units_in_scope
from bullying.audit import Outcome, audit_record
from bullying.calendar import (
    MAX_YEAR,
    MIN_YEAR,
    CalendarDay,
    CalendarYear,
    DayKind,
    DeadlineRule,
    RegionDeadlineSetting,
    calendar_day_delete,
    calendar_day_set,
    calendar_days_of_year,
    calendar_year_import,
    compute_due,
    published_years,
    region_deadline_setting_set,
    rule_for,
    today_local,
)
from bullying.errors import ApplicationError

CALENDAR_WRITER_ROLES = frozenset({Role.SYSADMIN})


class CalendarDayForm(forms.Form):
    date = forms.DateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    kind = forms.ChoiceField(label=_("类型"), choices=DayKind.choices)
    name = forms.CharField(label=_("名称"), max_length=64, help_text=_("节日名称，如“国庆节”；调休上班日填所属节日。"))


class CalendarBulkForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=MIN_YEAR, max_value=MAX_YEAR)
    lines = forms.CharField(
        label=_("安排（每行一个日期）"),
        widget=forms.Textarea(attrs={"rows": 16, "placeholder": "2027-01-01,holiday,元旦\n2027-02-07,workday,春节"}),
        help_text=_(
            "每行“日期,类型,名称”：类型为 holiday（法定节假日，含节日期间的周末）或 workday（调休上班）。"
            "以 # 开头的行不读取。"
        ),
    )
    source = forms.CharField(label=_("依据"), max_length=200, required=False, help_text=_("如：国办发明电〔2026〕×号"))
    replace = forms.BooleanField(label=_("替换该年度已有安排"), required=False)


class DueTrialForm(forms.Form):
    start = forms.DateField(label=_("起算日期"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    days = forms.IntegerField(label=_("期限（日）"), min_value=1, max_value=366, initial=10)
    rule = forms.ChoiceField(label=_("计算规则"), choices=DeadlineRule.choices, initial=DeadlineRule.CALENDAR_DAYS)


class RegionRuleForm(forms.Form):
    org_code = forms.CharField(label=_("单位代码"), max_length=32)
    rule = forms.ChoiceField(
        label=_("计算规则"), choices=[("", _("继承上级单位")), *DeadlineRule.choices], required=False
    )


def _require_writer_or_404(request) -> None:
    if not has_role(request.user, CALENDAR_WRITER_ROLES):
        audit_record(
            action="access.denied",
            outcome=Outcome.DENIED,
            actor=request.user,
            object_type="path",
            object_id=request.path[:64],
        )
        raise Http404


def _year_url(year: int) -> str:
    return f"{reverse('calendar:index')}?year={year}"


@login_required
def calendar_index(request):
    today = today_local()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    if not MIN_YEAR <= year <= MAX_YEAR:
        year = today.year
    can_edit = has_role(request.user, CALENDAR_WRITER_ROLES)

    trial_form = DueTrialForm(request.GET if "start" in request.GET else None)
    trial = None
    if trial_form.is_bound and trial_form.is_valid():
        try:
            trial = compute_due(
                trial_form.cleaned_data["start"], trial_form.cleaned_data["days"], trial_form.cleaned_data["rule"]
            )
        except ApplicationError as exc:
            trial_form.add_error(exc.field if exc.field in trial_form.fields else None, exc.message)

    units = {m.org_unit.pk: m.org_unit for m in memberships_of(request.user)}.values()
    my_rules = [(unit, rule_for(unit)) for unit in units]
    settings_in_scope = []
    if can_edit:
        settings_in_scope = (
            RegionDeadlineSetting.objects.filter(org_unit__in=units_in_scope(request.user, roles=CALENDAR_WRITER_ROLES))
            .select_related("org_unit")
            .order_by("org_unit__path")
        )
    return render(
        request,
        "calendar/index.html",
        {
            "year": year,
            "days": calendar_days_of_year(year),
            "published": CalendarYear.objects.filter(year=year).first(),
            "published_years": published_years(),
            "prev_year": year - 1,
            "next_year": year + 1,
            "can_edit": can_edit,
            "trial_form": trial_form,
            "trial": trial,
            "my_rules": my_rules,
            "settings_in_scope": settings_in_scope,
            "rule_form": RegionRuleForm() if can_edit else None,
        },
    )


@login_required
def calendar_day_edit(request):
    _require_writer_or_404(request)
    if request.method == "POST":
        form = CalendarDayForm(request.POST)
        if form.is_valid():
            try:
                day = calendar_day_set(actor=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request, f"已保存 {day.date:%Y-%m-%d}（{day.name}，{day.get_kind_display()}），未结期限已重新计算。"
                )
                return redirect(_year_url(day.date.year))
    else:
        initial = {}
        existing = None
        raw = request.GET.get("date", "")
        if raw:
            try:
                existing = CalendarDay.objects.filter(date=dt.date.fromisoformat(raw)).first()
            except ValueError:
                existing = None
            initial = {"date": raw}
        if existing:
            initial = {"date": existing.date, "kind": existing.kind, "name": existing.name}
        form = CalendarDayForm(initial=initial)
    return render(request, "calendar/day_form.html", {"form": form})


@login_required
@require_POST
def calendar_day_remove(request, day: str):
    _require_writer_or_404(request)
    try:
        date = dt.date.fromisoformat(day)
    except ValueError:
        raise Http404
    try:
        calendar_day_delete(actor=request.user, date=date)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已删除 {date:%Y-%m-%d} 的登记，该日恢复按正常星期安排，未结期限已重新计算。")
    return redirect(_year_url(date.year))


@login_required
def calendar_bulk(request):
    _require_writer_or_404(request)
    if request.method == "POST":
        form = CalendarBulkForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = calendar_year_import(
                    actor=request.user,
                    year=data["year"],
                    text=data["lines"],
                    replace=data["replace"],
                    source=data["source"],
                )
            except ApplicationError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
            else:
                messages.success(
                    request,
                    f"已录入{result.year}年节假日安排：新增 {result.added} 个、修改 {result.updated} 个、"
                    f"删除 {result.removed} 个日期；重新计算了 {result.recomputed} 个未结期限。",
                )
                return redirect(_year_url(result.year))
    else:
        form = CalendarBulkForm(initial={"year": today_local().year + 1})
    return render(request, "calendar/bulk.html", {"form": form})


@login_required
@require_POST
def region_rule_set(request):
    _require_writer_or_404(request)
    form = RegionRuleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请填写单位代码并选择计算规则。")
        return redirect("calendar:index")
    unit = units_in_scope(request.user, roles=CALENDAR_WRITER_ROLES).filter(code=form.cleaned_data["org_code"]).first()
    if unit is None:
        messages.error(request, "您管理的范围内没有这个单位代码。")
        return redirect("calendar:index")
    try:
        region_deadline_setting_set(actor=request.user, org_unit=unit, rule=form.cleaned_data["rule"] or None)
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        label = DeadlineRule(form.cleaned_data["rule"]).label if form.cleaned_data["rule"] else "继承上级单位"
        messages.success(request, f"{unit.name}的期限计算规则已设为：{label}。")
    return redirect("calendar:index")
