"""Pages of the kernel: the statutory calendar, the notification centre and the 督办 list.

The calendar:

Every signed-in user reads the calendar, the rule that applies to their units, and can
work out a due date step by step. Only a system administrator changes the calendar or a
region's rule; for anyone else the write URLs do not exist (404, audited).
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from accounts.models import Role
from accounts.selectors import has_role, memberships_of, units_in_scope
from bullying.access import get_in_scope_or_404
from bullying.audit.services import audit_denied
from bullying.deadlines.calendar import MAX_YEAR, MIN_YEAR, compute_due, rule_for, today_local
from bullying.deadlines.forms import CalendarBulkForm, CalendarDayForm, DueTrialForm, RegionRuleForm
from bullying.deadlines.models import CalendarDay, CalendarYear, DeadlineRule, Notification, RegionDeadlineSetting
from bullying.deadlines.notifications import notifications_mark_read
from bullying.deadlines.selectors import calendar_days_of_year, escalations_visible_to, published_years
from bullying.deadlines.services import (
    calendar_day_delete,
    calendar_day_set,
    calendar_year_import,
    region_deadline_setting_set,
)
from bullying.errors import ApplicationError

CALENDAR_WRITER_ROLES = frozenset({Role.SYSADMIN})


def _require_writer_or_404(request) -> None:
    if not has_role(request.user, CALENDAR_WRITER_ROLES):
        audit_denied(actor=request.user, object_type="path", object_id=request.path)
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
    settings_in_scope = RegionDeadlineSetting.objects.none()
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


# Notifications and the escalations (督办) an office sees


@login_required
def notification_list(request):
    qs = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
def notification_open(request, pk: int):
    notification = get_in_scope_or_404(request, Notification.objects.filter(recipient=request.user), pk)
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    target = notification.link or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
@require_POST
def notification_read_all(request):
    notifications_mark_read(user=request.user)
    return redirect("notifications:list")


@login_required
def escalation_list(request):
    page = Paginator(escalations_visible_to(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "notifications/escalations.html", {"page": page})
