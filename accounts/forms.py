from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Level


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("用户名"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True})
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )


class OtpForm(forms.Form):
    otp = forms.CharField(
        label=_("动态口令"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True, "pattern": "[0-9]*"}
        ),
        help_text=_("打开身份验证器应用，输入显示的 6 位数字。"),
    )


class OrgUnitImportForm(forms.Form):
    file = forms.FileField(label=_("单位文件（.csv 或 .xlsx）"))


class OrgUnitSearchForm(forms.Form):
    q = forms.CharField(label=_("名称或代码"), required=False)
    level = forms.ChoiceField(label=_("层级"), choices=[("", _("全部")), *Level.choices], required=False)
