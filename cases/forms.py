"""HTML forms for the case screens. Shape only: the rules live in cases.services."""

from django import forms

from bullying.timeutil import today_local
from cases.models import Form, MeasureKind, NoticeDirection, NoticeMethod, PartyRole, Severity, Source

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def on_field(label="日期"):
    return forms.DateField(
        label=label, required=False, widget=DATE, help_text="该步骤实际发生的日期，默认今天；可补录，但不能晚于今天。"
    )


class IntakeForm(forms.Form):
    school = forms.ChoiceField(label="学校")
    occurred_at = forms.DateTimeField(
        label="发生时间",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    location = forms.CharField(label="发生地点", max_length=200)
    source = forms.ChoiceField(label="线索来源", choices=Source.choices)
    summary = forms.CharField(label="事件经过", widget=forms.Textarea, help_text="时间、地点、起因、经过及造成的后果。")
    on = on_field("受理日期")
    # Named like the API field; defined last because the name shadows the module here.
    forms = forms.MultipleChoiceField(label="欺凌形式", choices=Form.choices, widget=forms.CheckboxSelectMultiple)

    field_order = ["school", "occurred_at", "location", "source", "forms", "summary", "on"]

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].choices = [(s.pk, s.name) for s in schools]
        if len(schools) == 1:
            self.fields["school"].widget = forms.HiddenInput()
            self.fields["school"].initial = schools[0].pk
        self.fields["on"].initial = today_local()


class PartyForm(forms.Form):
    role = forms.ChoiceField(label="身份", choices=[("", "—"), *PartyRole.choices], required=False)
    name = forms.CharField(label="姓名", max_length=50, required=False)
    student_no = forms.CharField(label="学籍号", max_length=32, required=False)
    grade = forms.CharField(label="年级", max_length=20, required=False)
    class_name = forms.CharField(label="班级", max_length=20, required=False)
    is_external = forms.BooleanField(label="非本校", required=False)

    def clean(self):
        data = super().clean()
        if data.get("name") and not data.get("role"):
            self.add_error("role", "请选择身份。")
        if data.get("role") and not data.get("name"):
            self.add_error("name", "请填写姓名。")
        return data


PartyFormSet = forms.formset_factory(PartyForm, extra=4, max_num=30)


class OnForm(forms.Form):
    on = on_field()


class DetermineForm(forms.Form):
    is_bullying = forms.TypedChoiceField(
        label="是否构成欺凌",
        choices=[("true", "构成欺凌"), ("false", "不构成欺凌（如打闹嬉戏）")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    severity = forms.ChoiceField(label="严重程度", choices=[("", "—"), *Severity.choices], required=False)
    reasoning = forms.CharField(label="认定理由", widget=forms.Textarea)
    meeting_on = forms.DateField(label="委员会会议日期", widget=DATE, required=False)
    members_present = forms.MultipleChoiceField(label="出席委员", widget=forms.CheckboxSelectMultiple, required=False)
    members_present_note = forms.CharField(label="其他出席人员（如家长代表、校外专家）", max_length=300, required=False)
    on = on_field("认定日期")

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members_present"].choices = [(u.pk, u.display_name) for u in members]


class MeasureForm(forms.Form):
    kind = forms.ChoiceField(label="措施", choices=MeasureKind.choices)
    party = forms.ChoiceField(label="对象", required=False)
    description = forms.CharField(label="具体内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    responsible = forms.CharField(label="责任人", max_length=50)
    due_on = forms.DateField(label="完成期限", widget=DATE, required=False)
    planned_hours = forms.IntegerField(label="计划学时（专门教育方案）", min_value=1, max_value=500, required=False)
    approved_on = forms.DateField(label="批准日期（转入专门学校）", widget=DATE, required=False)
    approval_authority = forms.CharField(label="批准机关（转入专门学校）", max_length=100, required=False)
    on = on_field("决定日期")

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "—"), *parties]


class ProgressForm(forms.Form):
    completed_hours = forms.IntegerField(label="已完成学时", min_value=0, max_value=500, required=False)
    completed_on = forms.DateField(label="完成日期", widget=DATE, required=False)


class ParentNoticeForm(forms.Form):
    direction = forms.ChoiceField(label="方向", choices=NoticeDirection.choices)
    method = forms.ChoiceField(label="方式", choices=NoticeMethod.choices)
    guardian = forms.CharField(label="监护人（关系）", max_length=50, help_text="如：母亲、父亲、祖父")
    party = forms.ChoiceField(label="涉及学生", required=False)
    content = forms.CharField(label="告知内容", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on = on_field()

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "—"), *parties]


class FollowUpForm(forms.Form):
    note = forms.CharField(label="观察与辅导情况", widget=forms.Textarea(attrs={"rows": 3}))
    party = forms.ChoiceField(label="观察对象", required=False)
    on = on_field()

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].choices = [("", "—"), *parties]


class CloseForm(forms.Form):
    summary = forms.CharField(label="结案说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on = on_field("结案日期")


class AttachmentForm(forms.Form):
    file = forms.FileField(label="附件（JPG、PNG、PDF、Word，≤10 MB）")
    description = forms.CharField(label="说明", max_length=200, required=False)
