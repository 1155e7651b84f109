import django_filters

from accounts.models import Level, OrgUnit


class OrgUnitFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=Level.choices)
    parent = django_filters.NumberFilter(field_name="parent_id")
    q = django_filters.CharFilter(method="search", label="名称或代码")

    class Meta:
        model = OrgUnit
        fields = ["level", "parent"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value) | queryset.filter(code__startswith=value)
