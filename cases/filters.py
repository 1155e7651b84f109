"""One FilterSet for the case list, shared by the HTML page and the API."""

import django_filters

from cases.models import Case, CaseQuerySet, Severity, Status


class CaseFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Status.choices, label="状态")
    school = django_filters.NumberFilter(field_name="school_id", label="学校")
    severity = django_filters.ChoiceFilter(choices=Severity.choices, label="严重程度")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已超期")
    year = django_filters.NumberFilter(field_name="year", label="年度")
    number = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label="案件编号")

    class Meta:
        model = Case
        fields = ["status", "school", "severity", "overdue", "year", "number"]

    def filter_overdue(self, queryset, name, value):
        overdue = CaseQuerySet.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
