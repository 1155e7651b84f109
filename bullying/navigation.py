"""Role-aware navigation for the base layout (a context processor of the project: it
links every app, so it sits above them)."""

from django.urls import reverse

from accounts.models import Role
from accounts.selectors import (
    AUDIT_READER_ROLES,
    CASE_READER_ROLES,
    USER_ADMIN_ROLES,
    memberships_of,
)
from bullying.deadlines.selectors import unread_count


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    items = [("home", "工作台", reverse("home"))]
    if roles & CASE_READER_ROLES:
        items.append(("cases:list", "事件处置", reverse("cases:list")))
    if roles & {Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.REVIEW_EXPERT}:
        items.append(("appeals:list", "申诉复查", reverse("appeals:list")))
    if roles & {Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER}:
        items.append(("reporting:dashboard", "数据看板", reverse("reporting:dashboard")))
    if roles & {Role.INSPECTOR, Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER, Role.COMMITTEE_CHAIR}:
        items.append(("inspections:policy_list", "督导检查", reverse("inspections:policy_list")))
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
    active = _active_item(current, [name for name, _label, _url in items])
    return {
        "nav_items": [
            {"name": name, "label": label, "url": url, "active": name == active} for name, label, url in items
        ],
        "my_memberships": memberships,
        "unread_notifications": unread_count(user),
    }


# Views that belong to a menu entry other than their namespace's first one.
SECTION_OF = {
    "cases:unmask": "cases:unmask_queue",
}


def _active_item(current: str, names: list[str]) -> str | None:
    """The menu entry of the current view: an exact match, a listed section, or the
    first entry of the view's namespace."""
    if current in names:
        return current
    for prefix, name in SECTION_OF.items():
        if current.startswith(prefix) and name in names:
            return name
    namespace = current.split(":")[0] + ":"
    return next((name for name in names if ":" in current and name.startswith(namespace)), None)
