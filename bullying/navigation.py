"""Role-aware navigation for the base layout (a context processor of the project: it
links every app, so it sits above them)."""

from django.urls import reverse

from accounts.selectors import (
    AUDIT_READER_ROLES,
    ORG_UNIT_READER_ROLES,
    USER_ADMIN_ROLES,
    memberships_of,
)
from bullying.deadlines.selectors import ESCALATION_READER_ROLES, unread_count
from cases.appeals.selectors import APPEAL_READER_ROLES
from cases.selectors import CASE_READER_ROLES, UNMASK_ROLES
from inspections.selectors import INSPECTION_READER_ROLES
from reporting.selectors import DASHBOARD_ROLES

# The menu: (view name, label, the roles whose selector opens that page's objects). An
# entry shows to whoever holds one of its roles, so the menu offers what the lists hold.
MENU = [
    ("cases:list", "事件处置", CASE_READER_ROLES),
    ("appeals:list", "申诉复查", APPEAL_READER_ROLES),
    ("reporting:dashboard", "数据看板", DASHBOARD_ROLES),
    ("inspections:policy_list", "督导检查", INSPECTION_READER_ROLES),
    ("accounts:org_units", "组织机构", ORG_UNIT_READER_ROLES),
    ("accounts:users", "用户管理", USER_ADMIN_ROLES),
    ("calendar:index", "节假日与期限", None),  # every signed-in user reads the calendar
    ("accounts:audit", "审计日志", AUDIT_READER_ROLES),
    ("notifications:escalations", "督办事项", ESCALATION_READER_ROLES),
    ("cases:unmask_queue", "姓名查看审批", UNMASK_ROLES),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = memberships_of(user)
    roles = {m.role for m in memberships}
    items = [("home", "工作台", reverse("home"))]
    items += [(name, label, reverse(name)) for name, label, opened_by in MENU if opened_by is None or roles & opened_by]
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
