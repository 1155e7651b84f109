"""One FilterSet for the appeal queue, shared by the HTML page and the API."""

import django_filters
from django_filters.widgets import BooleanWidget

from cases.appeals.models import Appeal, AppealQuerySet, AppealStatus


class YesNoWidget(BooleanWidget):
    """``true``/``false`` as the API takes them, labelled in Chinese whatever the browser asks."""

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.choices = (("", "全部"), ("true", "是"), ("false", "否"))


class AppealFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AppealStatus.choices, label="状态", empty_label="全部")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="复查已超期", widget=YesNoWidget)
    case = django_filters.NumberFilter(field_name="case_id", label="案件")
    county = django_filters.NumberFilter(field_name="county_id", label="办理单位")
    year = django_filters.NumberFilter(field_name="year", label="年度")
    number = django_filters.CharFilter(field_name="number", lookup_expr="icontains", label="申诉编号")

    class Meta:
        model = Appeal
        fields = ["status", "overdue", "case", "county", "year", "number"]

    def filter_overdue(self, queryset, name, value):
        overdue = AppealQuerySet.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)
