"""The role × endpoint × scope matrix for organisation units (NetBox ``APIViewTestCases``).

One declared table says which units each persona may see; every test below is generated
from it, for the API and the HTML pages alike. Inside the scope is 200, outside is 404
(never 403), and every 404 leaves an ``access.denied`` audit row.
"""

import pytest

from accounts.models import Role
from accounts.services import user_add
from bullying.audit.models import AuditEvent
from tests.cases.conftest import open_case, walk  # noqa: F401 - case fixtures for the 404 of child rows
from tests.conftest import PASSWORD, PERSONAS

ALL_UNITS = frozenset({"P", "CA", "CB", "X", "Y", "Z", "A", "A2", "YS", "ZS"})
SCHOOL_A = frozenset({"P", "CA", "X", "A"})
COUNTY_X = frozenset({"P", "CA", "X", "A", "A2"})
COUNTY_Y = frozenset({"P", "CA", "Y", "YS"})
CITY_A = frozenset({"P", "CA", "X", "Y", "A", "A2", "YS"})
CITY_B = frozenset({"P", "CB", "Z", "ZS"})

# persona → the units (short names from the ``tree`` fixture) it may see: its subtree and
# the ancestors of its own unit. An auditor reads no unit below its own.
VISIBLE = {
    "staff_a": SCHOOL_A,
    "member_a": SCHOOL_A,
    "chair_a": SCHOOL_A,
    "chair_a2": frozenset({"P", "CA", "X", "A2"}),
    "chair_y": COUNTY_Y,
    "chair_z": CITY_B,
    "officer_x": COUNTY_X,
    "expert_x": COUNTY_X,
    "officer_y": COUNTY_Y,
    "officer_z": CITY_B,
    "city_a": CITY_A,
    "inspector_a": CITY_A,
    "city_b": CITY_B,
    "province": ALL_UNITS,
    "sysadmin": ALL_UNITS,
    "auditor": frozenset({"P"}),
    "staff_a2": frozenset({"P", "CA", "X", "A2"}),
    "expert_y": COUNTY_Y,
    "inspector_b": CITY_B,
    "inspector_x": COUNTY_X,
    "inspector_p": ALL_UNITS,
    "sysadmin_b": CITY_B,
    "sysadmin_x": COUNTY_X,
    "auditor_x": frozenset({"P", "CA", "X"}),
}

# Who may open the administration pages; everybody else gets 404.
USER_ADMINS = {"sysadmin", "sysadmin_b", "sysadmin_x"}
AUDITORS = {"auditor", "auditor_x"}

ALL_PERSONAS = sorted(VISIBLE)


def _names_by_id(tree) -> dict[int, str]:
    return {unit.pk: name for name, unit in tree.items()}


def test_the_table_declares_every_persona():
    assert set(VISIBLE) == set(PERSONAS)


def test_only_province_wide_roles_see_the_whole_tree():
    """Guards the table itself: only province-wide roles may see the whole tree."""
    assert {p for p, units in VISIBLE.items() if units == ALL_UNITS} == {"province", "sysadmin", "inspector_p"}


# ---------------------------------------------------------------------------
# API


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_the_api_lists_exactly_the_units_in_scope(persona, api_for, tree):
    response = api_for(persona).get("/api/v1/org-units/", {"page_size": 100})

    assert response.status_code == 200
    names = _names_by_id(tree)
    listed = {names[row["id"]] for row in response.json()["results"]}
    assert listed == VISIBLE[persona]
    assert response.json()["count"] == len(VISIBLE[persona])


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_the_api_detail_is_200_inside_the_scope_and_404_outside(persona, api_for, tree):
    client = api_for(persona)
    denied_before = AuditEvent.objects.filter(action="access.denied").count()

    statuses = {name: client.get(f"/api/v1/org-units/{unit.pk}/").status_code for name, unit in tree.items()}

    assert statuses == {name: 200 if name in VISIBLE[persona] else 404 for name in tree}
    hidden = len(ALL_UNITS - VISIBLE[persona])
    assert AuditEvent.objects.filter(action="access.denied", username=persona).count() - denied_before == hidden


def test_the_api_detail_shows_the_unit_and_its_parent(api_for, tree):
    unit = tree["A"]

    body = api_for("staff_a").get(f"/api/v1/org-units/{unit.pk}/").json()

    assert body == {"id": unit.pk, "code": unit.code, "name": unit.name, "level": "school", "parent": tree["X"].pk}


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_me_shows_the_personas_own_membership(persona, api_for, tree):
    code, role = PERSONAS[persona]

    response = api_for(persona).get("/api/v1/me/")

    assert response.status_code == 200
    body = response.json()
    assert body["username"] == persona
    assert [(m["role"], m["org_unit"]["code"]) for m in body["memberships"]] == [(role, code)]
    assert set(body["memberships"][0]["org_unit"]) == {"id", "code", "name", "level"}


def test_the_api_filters_children_without_leaking_siblings(api_for, tree):
    """GIVEN staff of school A, who sees county X only as an ancestor
    WHEN they ask for X's children
    THEN only their own school comes back, not the sibling school A2."""
    response = api_for("staff_a").get("/api/v1/org-units/", {"parent": tree["X"].pk})

    assert [row["code"] for row in response.json()["results"]] == [tree["A"].code]


def test_the_api_filters_by_level_inside_the_scope(api_for, tree):
    response = api_for("city_a").get("/api/v1/org-units/", {"level": "school"})

    assert sorted(row["code"] for row in response.json()["results"]) == sorted(tree[n].code for n in ("A", "A2", "YS"))


def test_the_api_refuses_an_anonymous_caller(tree, client):
    assert client.get("/api/v1/org-units/").status_code == 401
    assert client.get("/api/v1/me/").status_code == 401


@pytest.mark.parametrize("persona", ["staff_a", "city_a", "province", "auditor"])
def test_the_unit_list_costs_two_queries_whatever_the_scope(persona, api_for, tree, django_assert_num_queries):
    """Pinned so that an N+1 on the list (a nested parent, a per-row lookup) fails here.
    The memberships are read once per user object; the forced user keeps them between calls."""
    client = api_for(persona)
    client.get("/api/v1/org-units/")
    with django_assert_num_queries(2):  # count, page
        client.get("/api/v1/org-units/", {"page_size": 100})


# ---------------------------------------------------------------------------
# HTML


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_the_unit_page_lists_exactly_the_units_in_scope(persona, client_for, tree):
    response = client_for(persona).get("/accounts/org-units/")

    assert response.status_code == 200
    listed = {_names_by_id(tree)[unit.pk] for unit in response.context["page"].object_list}
    assert listed == VISIBLE[persona]
    hidden_names = [tree[n].name for n in ALL_UNITS - VISIBLE[persona]]
    assert not [name for name in hidden_names if name in response.content.decode()]


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_the_unit_detail_page_is_200_inside_the_scope_and_404_outside(persona, client_for, tree):
    client = client_for(persona)

    statuses = {name: client.get(f"/accounts/org-units/{unit.pk}/").status_code for name, unit in tree.items()}

    assert statuses == {name: 200 if name in VISIBLE[persona] else 404 for name in tree}
    denied = AuditEvent.objects.filter(action="access.denied", username=persona, object_type="accounts.orgunit")
    assert sorted(denied.values_list("object_id", flat=True)) == sorted(
        str(tree[n].pk) for n in ALL_UNITS - VISIBLE[persona]
    )


def test_the_detail_page_of_an_ancestor_shows_only_children_in_scope(client_for, tree):
    """GIVEN staff of school A
    WHEN they open county X (an ancestor, shown for context)
    THEN the page lists school A as a child but not the sibling school A2."""
    response = client_for("staff_a").get(f"/accounts/org-units/{tree['X'].pk}/")

    assert [c.code for c in response.context["children"]] == [tree["A"].code]
    assert tree["A2"].name not in response.content.decode()


def test_the_detail_page_shows_the_staff_only_to_a_sysadmin_over_the_unit(client_for, tree):
    url = f"/accounts/org-units/{tree['A'].pk}/"

    assert "chair_a老师" in client_for("sysadmin").get(url).content.decode()
    assert "chair_a老师" not in client_for("officer_x").get(url).content.decode()


def test_the_unit_page_sends_an_anonymous_visitor_to_the_login_page(tree, client):
    response = client.get("/accounts/org-units/")

    assert response.status_code == 302
    assert response.url.startswith("/accounts/login/")


# ---------------------------------------------------------------------------
# Administration pages


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_the_user_page_opens_only_to_a_sysadmin_and_the_audit_page_only_to_an_auditor(persona, client_for):
    client = client_for(persona)

    statuses = {path: client.get(path).status_code for path in ("/accounts/users/", "/accounts/audit/")}

    assert statuses == {
        "/accounts/users/": 200 if persona in USER_ADMINS else 404,
        "/accounts/audit/": 200 if persona in AUDITORS else 404,
    }
    denied = AuditEvent.objects.filter(action="access.denied", username=persona, object_type="path")
    assert sorted(denied.values_list("object_id", flat=True)) == sorted(
        path for path, status in statuses.items() if status == 404
    )


def test_a_city_sysadmin_manages_only_the_users_of_that_city(client_for):
    response = client_for("sysadmin_b").get("/accounts/users/")

    listed = {u.username for u in response.context["page"].object_list}
    assert listed == {"city_b", "officer_z", "chair_z", "inspector_b", "sysadmin_b"}


def test_the_province_sysadmin_manages_every_user(client_for, personas):
    response = client_for("sysadmin").get("/accounts/users/")

    assert {u.username for u in response.context["page"].object_list} == set(personas)


# ---------------------------------------------------------------------------
# The scoping vocabulary (accounts.selectors) and the one audited 404


def test_scope_roots_drop_units_nested_under_another_root(tree):
    from accounts.selectors import scope_roots

    user, _, _ = user_add(username="two_hats", org_code=tree["X"].code, role=Role.COUNTY_OFFICER, password=PASSWORD)
    user_add(username="two_hats", org_code=tree["CA"].code, role=Role.CITY_OFFICER, password=PASSWORD)
    user_add(username="two_hats", org_code=tree["Z"].code, role=Role.COUNTY_OFFICER, password=PASSWORD)

    roots = scope_roots(user, roles={Role.COUNTY_OFFICER, Role.CITY_OFFICER})

    assert [u.code for u in roots] == [tree["CA"].code, tree["Z"].code]
    assert [u.code for u in scope_roots(user, roles={Role.COUNTY_OFFICER})] == [tree["X"].code, tree["Z"].code]


def test_subtree_q_is_one_prefix_filter_per_root_and_nothing_without_roots(tree):
    from accounts.models import OrgUnit
    from accounts.selectors import subtree_q
    from cases.models import Case

    names = _names_by_id(tree)
    under = {names[u.pk] for u in OrgUnit.objects.filter(subtree_q([tree["X"], tree["Z"]]))}

    assert under == {"X", "A", "A2", "Z", "ZS"}
    assert not OrgUnit.objects.filter(subtree_q([])).exists()
    assert "school" in str(Case.objects.filter(subtree_q([tree["X"]], "school__")).query)


@pytest.mark.parametrize(
    ("persona", "units"),
    [("officer_x", COUNTY_X - {"P", "CA"}), ("city_a", CITY_A - {"P"}), ("chair_a", {"A"}), ("auditor", set())],
)
def test_units_in_scope_and_restrict_agree(persona, units, personas, tree):
    from accounts.models import OrgUnit
    from accounts.selectors import ORG_UNIT_READER_ROLES, restrict, units_in_scope

    user = personas[persona]
    names = _names_by_id(tree)

    in_scope = {names[u.pk] for u in units_in_scope(user, roles=ORG_UNIT_READER_ROLES)}
    restricted = {names[u.pk] for u in restrict(OrgUnit.objects.all(), user, via="", roles=ORG_UNIT_READER_ROLES)}

    assert in_scope == restricted == set(units)


def test_holds_is_at_the_unit_and_holds_over_is_at_or_above_it(personas, tree):
    from accounts.selectors import holds, holds_over

    officer = personas["officer_x"]

    assert holds(officer, {Role.COUNTY_OFFICER}, {tree["X"].pk})
    assert not holds(officer, {Role.COUNTY_OFFICER}, {tree["A"].pk})
    assert holds_over(officer, {Role.COUNTY_OFFICER}, tree["A"])
    assert not holds_over(officer, {Role.COUNTY_OFFICER}, tree["YS"])
    assert not holds_over(officer, {Role.CITY_OFFICER}, tree["A"])


def test_the_role_sets_are_built_from_the_roles_and_the_menu_from_the_role_sets():
    import bullying.navigation as nav
    from accounts.models import OFFICE_ROLES, SCHOOL_ROLES
    from cases.appeals.selectors import APPEAL_FILING_READER_ROLES, APPEAL_MANAGER_ROLES, APPEAL_READER_ROLES
    from cases.selectors import CASE_HANDLER_ROLES, CASE_READER_ROLES
    from inspections.selectors import INSPECTION_READER_ROLES
    from reporting.selectors import DASHBOARD_ROLES

    for roles in (CASE_READER_ROLES, CASE_HANDLER_ROLES, APPEAL_READER_ROLES, INSPECTION_READER_ROLES, DASHBOARD_ROLES):
        assert roles <= frozenset(Role)
    assert CASE_READER_ROLES == SCHOOL_ROLES | OFFICE_ROLES
    assert APPEAL_MANAGER_ROLES | APPEAL_FILING_READER_ROLES <= APPEAL_READER_ROLES
    menu = {name: roles for name, _label, roles in nav.MENU}
    assert menu["cases:list"] is CASE_READER_ROLES
    assert menu["appeals:list"] is APPEAL_READER_ROLES
    assert menu["reporting:dashboard"] is DASHBOARD_ROLES
    assert menu["inspections:policy_list"] is INSPECTION_READER_ROLES


def test_no_module_keeps_its_own_copy_of_the_subtree_rule():
    """Scoping by the tree is written once (``accounts.selectors.subtree_q``); the only
    other ``path__startswith`` is the service that moves a subtree."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    allowed = {"accounts/selectors.py", "accounts/services.py"}
    copies = []
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).as_posix()
        if rel.split("/")[0] in {".venv", "tests", "static", "staticfiles"} or "/migrations/" in rel:
            continue
        text = path.read_text("utf-8")
        if rel not in allowed and ("path__startswith" in text or "def _subtree_q" in text):
            copies.append(rel)
        if rel != "bullying/access.py" and "def get_in_scope_or_404" in text:
            copies.append(rel)
        if rel != "bullying/audit/services.py" and '"access.denied"' in text and "audit/models.py" not in rel:
            copies.append(rel)
    assert copies == []


def test_audit_denied_writes_one_row_and_nothing_for_an_anonymous_visitor(personas):
    from django.contrib.auth.models import AnonymousUser

    from bullying.audit.models import Outcome
    from bullying.audit.services import audit_denied

    assert audit_denied(actor=AnonymousUser(), object_type="path", object_id="/x/") is None
    event = audit_denied(actor=personas["officer_x"], object_type="cases.case", object_id=7, detail={"status": 404})

    assert (event.action, event.outcome, event.object_type, event.object_id) == (
        "access.denied",
        Outcome.DENIED,
        "cases.case",
        "7",
    )
    assert event.detail == {"status": 404} and event.username == "officer_x"


@pytest.mark.parametrize("pk", ["999999", "abc"])
def test_the_one_404_helper_audits_a_miss_and_a_malformed_id(pk, personas, rf):
    from django.http import Http404

    from accounts.models import OrgUnit
    from bullying.access import get_in_scope_or_404

    request = rf.get("/")
    request.user = personas["chair_a"]

    with pytest.raises(Http404):
        get_in_scope_or_404(request, OrgUnit.objects.all(), pk)

    row = AuditEvent.objects.filter(action="access.denied", username="chair_a").latest("id")
    assert (row.object_type, row.object_id) == ("accounts.orgunit", pk)


def test_a_child_row_of_another_parent_is_a_404_and_audited(open_case, walk, client_for):  # noqa: F811
    """GIVEN two cases of school A with measures and attachments
    WHEN the committee asks for a measure or an attachment of one under the other's address
    THEN it is 404, as for a row outside its scope, and each miss is an audited denial."""
    from cases.models import Measure

    first, second = walk(open_case(), "handling", severity="serious"), walk(open_case(), "handling", severity="minor")
    foreign = Measure.objects.filter(case=first).first()
    client = client_for("chair_a")

    progress = client.post(f"/cases/{second.pk}/measures/{foreign.pk}/progress/", {"prog-completed_hours": "1"})
    download = client.get(f"/cases/{second.pk}/attachments/999999/")

    assert (progress.status_code, download.status_code) == (404, 404)
    denied = AuditEvent.objects.filter(action="access.denied", username="chair_a")
    assert sorted(denied.values_list("object_type", "object_id")) == [
        ("cases.attachment", "999999"),
        ("cases.measure", str(foreign.pk)),
    ]
