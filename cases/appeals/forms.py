"""HTML forms for the appeal desk. Shape only: the rules live in cases.appeals.services."""

from django import forms

from bullying.timeutil import today_local
from cases.appeals.models import LegalRoute, PanelKind
from cases.appeals.services import DEFAULT_LEGAL_REASONS, DEFAULT_REVIEW_REASONS, DEFAULT_UPHOLD_REASONS
from cases.forms import DATE, on_field
from cases.models import Severity


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input (Django documents this recipe)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class LodgeForm(forms.Form):
    appellant_name = forms.CharField(label="申诉人姓名", max_length=50)
    appellant_relation = forms.CharField(
        label="与学生的关系", max_length=50, help_text="如：受欺凌学生母亲、实施欺凌学生父亲。"
    )
    grounds = forms.CharField(
        label="申诉理由", widget=forms.Textarea(attrs={"rows": 5}), help_text="申诉人对学校认定结论的异议及理由。"
    )
    received_on = forms.DateField(
        label="收到申诉日期",
        required=False,
        widget=DATE,
        help_text="默认今天；可补录，但不能晚于今天，也不能早于学校认定日期。",
    )
    attachments = MultipleFileField(label="申诉材料（可选，JPG、PNG、PDF、Word，每份≤10 MB）", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["received_on"].initial = today_local()


class UpholdForm(forms.Form):
    reasons = forms.CharField(
        label="维持理由", widget=forms.Textarea(attrs={"rows": 3}), initial=DEFAULT_UPHOLD_REASONS
    )
    on = on_field("决定日期")


class AcceptReviewForm(forms.Form):
    reasons = forms.CharField(
        label="受理复查理由", widget=forms.Textarea(attrs={"rows": 3}), initial=DEFAULT_REVIEW_REASONS
    )
    on = on_field("受理日期（复查期限自次日起算）")


class ReferLegalForm(forms.Form):
    reasons = forms.CharField(
        label="不予受理理由", widget=forms.Textarea(attrs={"rows": 3}), initial=DEFAULT_LEGAL_REASONS
    )
    legal_route = forms.ChoiceField(label="已告知申诉人的法律途径", choices=LegalRoute.choices)
    legal_route_note = forms.CharField(label="说明（如受理法院、案号、告知方式）", max_length=300, required=False)
    on = on_field("告知日期")


class PanelRowForm(forms.Form):
    user = forms.ChoiceField(label="人员", required=False)
    kind = forms.ChoiceField(label="身份", choices=[("", "—"), *PanelKind.choices], required=False)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—"), *candidates]

    def clean(self):
        data = super().clean()
        if data.get("user") and not data.get("kind"):
            self.add_error("kind", "请选择身份。")
        if data.get("kind") and not data.get("user"):
            self.add_error("user", "请选择人员。")
        return data


PanelFormSet = forms.formset_factory(PanelRowForm, extra=5, max_num=15)


class PanelDateForm(forms.Form):
    on = on_field("组成日期")


class DecideForm(forms.Form):
    is_bullying = forms.TypedChoiceField(
        label="复查认定",
        choices=[("true", "构成欺凌"), ("false", "不构成欺凌")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    severity = forms.ChoiceField(label="严重程度", choices=[("", "—"), *Severity.choices], required=False)
    opinion = forms.CharField(label="处置意见", widget=forms.Textarea(attrs={"rows": 4}))
    agreed_by = forms.MultipleChoiceField(
        label="同意复查结论的小组成员", widget=forms.CheckboxSelectMultiple, required=False
    )
    agreement_note = forms.CharField(
        label="不同意见记录（有成员不同意时必填）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    on = on_field("复查决定日期")

    def __init__(self, *args, members=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed_by"].choices = [
            (m.user_id, f"{m.user.display_name}（{m.get_kind_display()}）") for m in members
        ]
        self.fields["agreed_by"].initial = [m.user_id for m in members]


class FileForm(forms.Form):
    note = forms.CharField(label="备案说明", max_length=300, required=False)
    on = on_field("备案日期")
