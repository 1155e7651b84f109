"""Purpose-bound unmasking: a city or province official sees a case's names only with a
stated purpose, a second official's approval, for a limited time, with every read audited."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from accounts.models import Role
from accounts.services import user_add
from bullying.audit.models import AuditEvent
from bullying.deadlines.models import Notification
from bullying.errors import ApplicationError
from cases import services
from cases.models import UnmaskStatus
from tests.conftest import PASSWORD

CANARY = "甄秘密"
PURPOSE = "核查该事件是否涉及跨校欺凌，需与另一学校的事件比对当事人。"


@pytest.fixture
def case(personas, tree):
    return services.case_open(
        actor=personas["staff_a"],
        school=tree["A"],
        occurred_at=datetime(2026, 1, 5, 9, tzinfo=ZoneInfo("Asia/Shanghai")),
        location="操场",
        source="staff",
        forms=["verbal"],
        summary=f"{CANARY}被多人辱骂。",
        parties=[{"role": "victim", "name": CANARY}],
    )


@pytest.fixture
def second_city_officer(tree):
    user, _, _ = user_add(username="city_a2", org_code="330100", role=Role.CITY_OFFICER, password=PASSWORD)
    return user


def names_shown(api_for, persona, case) -> bool:
    body = api_for(persona).get(f"/api/v1/cases/{case.pk}/").json()
    return body["parties"][0]["name"] == CANARY and CANARY in body["summary"]


def test_a_city_official_sees_masked_names_and_masked_free_text(api_for, case):
    body = api_for("city_a").get(f"/api/v1/cases/{case.pk}/").json()
    assert body["parties"][0]["name"] == "甄**"
    assert CANARY not in body["summary"] and "甄**" in body["summary"]


def test_a_request_needs_a_real_purpose(personas, case):
    with pytest.raises(ApplicationError, match="目的"):
        services.unmask_request(actor=personas["city_a"], case=case, purpose="看看")


def test_an_approved_request_shows_the_names_until_it_expires(personas, case, api_for, second_city_officer):
    """GIVEN a city official who asked to see the names with a purpose
    WHEN a second city official approves
    THEN the first sees the names for 24 hours, each read audited with the grant."""
    grant = services.unmask_request(actor=personas["city_a"], case=case, purpose=PURPOSE)
    assert not names_shown(api_for, "city_a", case)  # pending is not enough
    assert Notification.objects.filter(recipient=second_city_officer, kind="unmask.requested").count() == 1
    assert CANARY not in Notification.objects.get(recipient=second_city_officer).title

    services.unmask_decide(actor=second_city_officer, grant=grant, approve=True, note="同意，限本次核查")
    assert names_shown(api_for, "city_a", case)
    read = AuditEvent.objects.filter(action="case.read", actor=personas["city_a"]).latest("id")
    assert read.detail["unmask_grant"] == grant.pk

    with time_machine.travel(datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(hours=25)):
        assert not names_shown(api_for, "city_a", case)


def test_nobody_approves_their_own_request(personas, case):
    grant = services.unmask_request(actor=personas["city_a"], case=case, purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        services.unmask_decide(actor=personas["city_a"], grant=grant, approve=True)
    grant.refresh_from_db()
    assert grant.status == UnmaskStatus.PENDING


def test_an_official_of_another_city_can_neither_request_nor_approve(personas, case):
    with pytest.raises(PermissionDenied):
        services.unmask_request(actor=personas["city_b"], case=case, purpose=PURPOSE)
    grant = services.unmask_request(actor=personas["city_a"], case=case, purpose=PURPOSE)
    with pytest.raises(PermissionDenied):
        services.unmask_decide(actor=personas["city_b"], grant=grant, approve=True)


def test_the_province_may_approve_a_city_request(personas, case, api_for):
    grant = services.unmask_request(actor=personas["city_a"], case=case, purpose=PURPOSE)
    services.unmask_decide(actor=personas["province"], grant=grant, approve=True)
    assert names_shown(api_for, "city_a", case)
    assert not names_shown(api_for, "province", case)  # the approver gains nothing


def test_a_refused_request_keeps_the_names_hidden(personas, case, api_for, second_city_officer):
    grant = services.unmask_request(actor=personas["city_a"], case=case, purpose=PURPOSE)
    services.unmask_decide(actor=second_city_officer, grant=grant, approve=False, note="理由不充分")
    assert not names_shown(api_for, "city_a", case)
    assert AuditEvent.objects.filter(action="unmask.rejected").count() == 1


@pytest.mark.parametrize("persona", ["officer_x", "chair_a", "sysadmin", "inspector_a"])
def test_only_city_and_province_officials_may_ask(personas, case, persona):
    with pytest.raises(PermissionDenied):
        services.unmask_request(actor=personas[persona], case=case, purpose=PURPOSE)


def test_the_request_and_approval_pages_work_end_to_end(client_for, case, second_city_officer, personas):
    client_for("city_a").post(f"/cases/{case.pk}/unmask/", {"purpose": PURPOSE})
    from django.test import Client

    approver = Client()
    approver.force_login(second_city_officer)
    session = approver.session
    session["auth_at"] = __import__("time").time()
    session.save()
    queue = approver.get("/cases/unmask-requests/").content.decode()
    assert case.number in queue and PURPOSE in queue
    grant = case.unmask_grants.get()
    approver.post(f"/cases/unmask-requests/{grant.pk}/decide/", {"decision": "approve"})
    page = client_for("city_a").get(f"/cases/{case.pk}/").content.decode()
    assert CANARY in page and "经审批查看姓名" in page
    assert client_for("officer_y").get("/cases/unmask-requests/").status_code == 404
