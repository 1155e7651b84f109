"""Forms of the calendar pages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bullying.deadlines.calendar import MAX_YEAR, MIN_YEAR
from bullying.deadlines.models import DayKind, DeadlineRule


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
