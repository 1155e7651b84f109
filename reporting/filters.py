"""One FilterSet for the report list, shared by the HTML page and the API."""

import django_filters
from django import forms
from django.db.models import Q

from reporting.models import IncidentReport, ReportKind, ReportStatus


class YesNo(forms.Select):
    def __init__(self, attrs=None):
        super().__init__(attrs, choices=[("", "全部"), ("true", "是"), ("false", "否")])


class ReportFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ReportKind.choices, label="报告类别", empty_label="全部")
    status = django_filters.ChoiceFilter(choices=ReportStatus.choices, label="状态", empty_label="全部")
    case = django_filters.NumberFilter(field_name="case_id", label="案件")
    late = django_filters.BooleanFilter(method="filter_late", label="迟报", widget=YesNo)
    public_concern = django_filters.BooleanFilter(field_name="public_concern", label="舆论高度关注", widget=YesNo)

    class Meta:
        model = IncidentReport
        fields = ["kind", "status", "case", "late", "public_concern"]

    def filter_late(self, queryset, name, value):
        return queryset.filter(is_late=True) if value else queryset.filter(~Q(is_late=True))
