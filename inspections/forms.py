"""HTML forms for the supervision screens. Shape only: the rules live in inspections.services."""

from django import forms

from accounts.models import Level
from bullying.timeutil import today_local
from inspections.models import AccountabilityKind, Category, InspectionKind, Result

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

# Findings are published with the round's results (巡查结果向社会公布).
PRIVACY_HELP = (
    "将随检查结果向社会公布：只写工作落实情况，不得出现学生姓名、学籍号、家庭信息或可识别学生身份的细节"
    "（政策清单第33、44项）。"
)


class PolicySearchForm(forms.Form):
    q = forms.CharField(label="关键词", required=False, widget=forms.TextInput(attrs={"type": "search"}))
    category = forms.ChoiceField(label="项目", required=False, choices=[("", "全部"), *Category.choices])
    level = forms.ChoiceField(label="适用层级", required=False, choices=[("", "全部"), *Level.choices])
    edition = forms.ChoiceField(label="版本", required=False)

    def __init__(self, *args, editions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["edition"].choices = [
            (e.code, f"{e.document}{'（现行）' if e.is_current else ''}") for e in editions
        ]


class InspectionNewForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=InspectionKind.choices, widget=forms.RadioSelect)
    target = forms.ChoiceField(label="被检查单位")
    inspected_on = forms.DateField(
        label="检查日期", required=False, widget=DATE, help_text="默认今天；可补录，但不能晚于今天。"
    )
    round = forms.ChoiceField(label="督导批次", required=False)
    campaign = forms.ChoiceField(label="专项治理行动", required=False)
    is_spot_check = forms.BooleanField(label="抽查（可只检查部分条目）", required=False)
    is_unannounced = forms.BooleanField(label="不打招呼（暗访）：提交前被检查单位看不到本次检查", required=False)

    def __init__(self, *args, targets, rounds, campaigns, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, label) for k, label in InspectionKind.choices if k in kinds]
        if len(kinds) == 1:
            self.fields["kind"].initial = next(iter(kinds))
        self.fields["target"].choices = [("", "请选择"), *((u.pk, _indent(u)) for u in targets)]
        self.fields["round"].choices = [("", "不属于督导批次"), *((r.pk, str(r)) for r in rounds)]
        self.fields["campaign"].choices = [("", "不关联"), *((c.pk, str(c)) for c in campaigns)]
        self.fields["inspected_on"].initial = today_local()


def _indent(unit) -> str:
    return "　" * max(unit.depth - 1, 0) + f"{unit.name}（{unit.get_level_display()}）"


class InspectionHeaderForm(forms.Form):
    summary = forms.CharField(
        label="主要问题和结论",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="概括主要问题和整改要求。" + PRIVACY_HELP,
    )
    inspected_on = forms.DateField(label="检查日期", widget=DATE)
    is_spot_check = forms.BooleanField(label="抽查", required=False)
    is_unannounced = forms.BooleanField(label="不打招呼（暗访）", required=False)

    def __init__(self, *args, self_check: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if self_check:
            del self.fields["is_unannounced"]
            del self.fields["is_spot_check"]


class ItemResultForm(forms.Form):
    result = forms.ChoiceField(label="结果", choices=Result.choices, widget=forms.RadioSelect)
    finding = forms.CharField(
        label="检查发现",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="未落实或部分落实的须写明问题。不得写学生姓名等个人信息。",
    )
    weight = forms.DecimalField(label="权重", min_value=0.01, max_value=100, decimal_places=2, required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label="文件", help_text="JPG、PNG、PDF、Word（.docx）或 Excel（.xlsx），不超过 20 MB。")
    description = forms.CharField(label="说明", max_length=200, required=False)


class RectificationRaiseForm(forms.Form):
    number = forms.TypedChoiceField(label="问题条目", coerce=int)
    unit = forms.ChoiceField(label="整改责任单位")
    requirement = forms.CharField(label="整改要求", widget=forms.Textarea(attrs={"rows": 3}), help_text=PRIVACY_HELP)
    days = forms.IntegerField(
        label="整改期限（天）",
        required=False,
        min_value=1,
        max_value=365,
        help_text="按本地区期限计算规则和法定节假日推算，节假日调整时自动重算。与“指定日期”二选一。",
    )
    due_on = forms.DateField(label="或指定日期", required=False, widget=DATE)

    def __init__(self, *args, items, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].choices = [
            (r.item.number, f"第{r.item.number}项 {r.item.topic[:24]}（{r.get_result_display()}）") for r in items
        ]
        self.fields["unit"].choices = [(u.pk, _indent(u)) for u in units]

    def clean(self):
        data = super().clean()
        if data.get("days") and data.get("due_on"):
            raise forms.ValidationError("整改期限请填写天数或指定日期，二选一。")
        if not data.get("days") and not data.get("due_on") and not self.errors:
            raise forms.ValidationError("请填写整改期限：天数或指定日期。")
        return data


class StepForm(forms.Form):
    text = forms.CharField(label="说明", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    on = forms.DateField(label="日期", required=False, widget=DATE, help_text="默认今天；不能晚于今天。")


class ReopenForm(StepForm):
    days = forms.IntegerField(label="新的整改期限（天）", required=False, min_value=1, max_value=365)
    due_on = forms.DateField(label="或指定日期", required=False, widget=DATE)


class AccountabilityForm(forms.Form):
    unit = forms.ChoiceField(label="被问责单位")
    kind = forms.ChoiceField(label="方式", choices=AccountabilityKind.choices)
    reason = forms.CharField(label="事由", widget=forms.Textarea(attrs={"rows": 3}))
    inspection = forms.ChoiceField(label="所依据的检查", required=False)
    case = forms.CharField(label="或所依据的欺凌事件编号", required=False, max_length=48)
    decided_on = forms.DateField(label="决定日期", required=False, widget=DATE)

    def __init__(self, *args, units, inspections, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "请选择"), *((u.pk, _indent(u)) for u in units)]
        self.fields["inspection"].choices = [
            ("", "—"),
            *((i.pk, f"{i.inspected_on:%Y-%m-%d} {i.target.name} {i.get_kind_display()}") for i in inspections),
        ]


class TaskSubmitForm(forms.Form):
    unit = forms.ChoiceField(label="报送单位")
    note = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    file = forms.FileField(label="附件", required=False, help_text="台账、方案、报告等（PDF、Word、Excel、图片）。")
    on = forms.DateField(label="报送日期", required=False, widget=DATE, help_text="默认今天。")

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [(u.pk, u.name) for u in units]
        if len(units) == 1:
            self.fields["unit"].widget = forms.HiddenInput()
            self.fields["unit"].initial = units[0].pk


class CampaignNewForm(forms.Form):
    year = forms.IntegerField(label="年度", min_value=2021, max_value=2100)
    name = forms.CharField(
        label="名称", required=False, max_length=100, help_text="默认“某年防范中小学生欺凌专项治理行动”。"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].initial = today_local().year


class RoundNewForm(forms.Form):
    title = forms.CharField(label="名称", max_length=100)
    semester = forms.CharField(label="学期", max_length=40, required=False, help_text="如“2026年秋季学期”。")
    starts_on = forms.DateField(label="开始日期", widget=DATE)
    ends_on = forms.DateField(label="结束日期", widget=DATE)
    office = forms.ChoiceField(label="督导单位")
    campaign = forms.ChoiceField(label="专项治理行动", required=False)

    def __init__(self, *args, offices, campaigns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["office"].choices = [(u.pk, u.name) for u in offices]
        if len(offices) == 1:
            self.fields["office"].widget = forms.HiddenInput()
            self.fields["office"].initial = offices[0].pk
        self.fields["campaign"].choices = [("", "不关联"), *((c.pk, str(c)) for c in campaigns)]
