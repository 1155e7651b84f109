"""One FilterSet per list, shared by the HTML pages and the API."""

import django_filters
from django.db.models import Q

from accounts.models import Level
from inspections.models import (
    AccountabilityKind,
    AccountabilityMeasure,
    Category,
    Inspection,
    InspectionKind,
    InspectionStatus,
    PolicyItem,
    Rectification,
    RectificationQuerySet,
    RectificationStatus,
    level_filter,
)

CATEGORY_BY_NAME = {str(label): value for value, label in Category.choices}


class PolicyItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="关键词")
    category = django_filters.CharFilter(method="filter_category", label="项目")
    level = django_filters.ChoiceFilter(choices=Level.choices, method="filter_level", label="适用层级")
    number = django_filters.NumberFilter(field_name="number", label="序号")

    class Meta:
        model = PolicyItem
        fields = ["q", "category", "level", "number"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        q = Q()
        for word in value.split():
            q &= (
                Q(topic__icontains=word)
                | Q(measure__icontains=word)
                | Q(responsible_units__icontains=word)
                | Q(office_in_charge__icontains=word)
            )
        if value.isdigit():
            q |= Q(number=int(value))
        return queryset.filter(q)

    def filter_category(self, queryset, name, value):
        # Accept the code (prevention), the name (有效预防) or the number (1).
        value = value.strip()
        code = CATEGORY_BY_NAME.get(value, value)
        numbers = {"1": Category.PREVENTION, "2": Category.HANDLING, "3": Category.MECHANISM}
        code = numbers.get(code, code)
        if code not in Category.values:
            return queryset.none()
        return queryset.filter(category=code)

    def filter_level(self, queryset, name, value):
        return queryset.filter(level_filter(value))


class InspectionFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=InspectionKind.choices, label="类型")
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices, label="状态")
    target = django_filters.NumberFilter(field_name="target_id", label="被检查单位")
    level = django_filters.ChoiceFilter(choices=Level.choices, field_name="target__level", label="层级")
    round = django_filters.NumberFilter(field_name="round_id", label="督导批次")
    campaign = django_filters.NumberFilter(field_name="campaign_id", label="专项治理行动")
    q = django_filters.CharFilter(method="search", label="单位名称")

    class Meta:
        model = Inspection
        fields = ["kind", "status", "target", "level", "round", "campaign"]

    def search(self, queryset, name, value):
        return queryset.filter(Q(target__name__icontains=value) | Q(office__name__icontains=value))


class RectificationFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=RectificationStatus.choices, label="状态")
    unit = django_filters.NumberFilter(field_name="unit_id", label="责任单位")
    inspection = django_filters.NumberFilter(field_name="inspection_id", label="检查")
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="已逾期")

    class Meta:
        model = Rectification
        fields = ["status", "unit", "inspection", "overdue"]

    def filter_overdue(self, queryset, name, value):
        overdue = RectificationQuerySet.overdue_q()
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class AccountabilityFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AccountabilityKind.choices, label="方式")
    unit = django_filters.NumberFilter(field_name="unit_id", label="单位")

    class Meta:
        model = AccountabilityMeasure
        fields = ["kind", "unit"]
