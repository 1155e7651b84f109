"""HTML forms of the reporting screens. Shapes only: rules live in the services."""

from django import forms

from reporting.models import ReportKind


class DateInput(forms.DateInput):
    input_type = "date"


class ReportForm(forms.Form):
    kind = forms.ChoiceField(label="报告类别", choices=ReportKind.choices)
    content = forms.CharField(
        label="报告内容",
        widget=forms.Textarea(attrs={"rows": 22}),
        help_text="已按案件记录起草，请核实修改。报送前系统会再次遮蔽学生姓名。",
    )
    public_concern = forms.BooleanField(label="舆论高度关注（须逐级报至教育部）", required=False)
    on = forms.DateField(
        label="报送日期", required=False, widget=DateInput, help_text="纸质报告先行时填写实际报送日期，默认今天"
    )


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label="处理意见", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label="签收日期", required=False, widget=DateInput)


class ForwardForm(forms.Form):
    note = forms.CharField(label="本级处理意见", widget=forms.Textarea(attrs={"rows": 3}))
    public_concern = forms.BooleanField(label="舆论高度关注（报至教育部）", required=False)
    on = forms.DateField(label="转报日期", required=False, widget=DateInput)


class StatSubmitForm(forms.Form):
    comment = forms.CharField(label="填报说明", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    on = forms.DateField(label="报送日期", required=False, widget=DateInput)
