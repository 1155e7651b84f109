"""Role-aware navigation for the base layout."""

from django.urls import reverse

from accounts.models import Role
from accounts.selectors import (
    AUDIT_READER_ROLES,
    CASE_READER_ROLES,
    USER_ADMIN_ROLES,
    memberships_of,
)
from bullying.notifications import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    items = [("home", "工作台", reverse("home"))]
    if roles & CASE_READER_ROLES:
        items.extend(_optional(["cases:list", "事件处置"]))
    if roles & {Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.REVIEW_EXPERT}:
        items.extend(_optional(["cases:appeal_list", "申诉复查"]))
    if roles & {Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER}:
        items.extend(_optional(["reporting:dashboard", "数据看板"]))
    if roles & {Role.INSPECTOR, Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER}:
        items.extend(_optional(["inspections:policy_list", "督导检查"]))
    if roles & (USER_ADMIN_ROLES | CASE_READER_ROLES | {Role.INSPECTOR}):
        items.append(("accounts:org_units", "组织机构", reverse("accounts:org_units")))
    if roles & USER_ADMIN_ROLES:
        items.append(("accounts:users", "用户管理", reverse("accounts:users")))
    items.append(("calendar:index", "节假日与期限", reverse("calendar:index")))
    if roles & AUDIT_READER_ROLES:
        items.append(("accounts:audit", "审计日志", reverse("accounts:audit")))
    if roles & {Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER}:
        items.append(("notifications:escalations", "督办事项", reverse("notifications:escalations")))
    if roles & {Role.CITY_OFFICER, Role.PROVINCE_OFFICER}:
        items.append(("cases:unmask_queue", "姓名查看审批", reverse("cases:unmask_queue")))
    current = request.resolver_match.view_name if request.resolver_match else ""
    return {
        "nav_items": [
            {
                "name": name,
                "label": label,
                "url": url,
                "active": current.split(":")[0] == name.split(":")[0] if ":" in name else current == name,
            }
            for name, label, url in items
        ],
        "my_memberships": memberships,
        "unread_notifications": unread_count(user),
    }


def _optional(entry):
    """A menu entry for a feature whose URLs may not be installed yet."""
    from django.urls import NoReverseMatch

    name, label = entry
    try:
        return [(name, label, reverse(name))]
    except NoReverseMatch:
        return []
