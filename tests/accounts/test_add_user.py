"""``manage.py add_user USERNAME --org CODE --role ROLE [--password PW] [--name NAME]``."""

import io
import re

import pytest
from django.core.management import CommandError, call_command

from accounts.management.commands.add_user import Command as AddUserCommand
from accounts.models import Membership, Role, User
from bullying.audit.models import AuditEvent
from tests.conftest import PASSWORD


def add_user(*args: str) -> str:
    out = io.StringIO()
    call_command("add_user", *args, stdout=out)
    return out.getvalue()


def add_user_error(*args: str) -> str:
    with pytest.raises(CommandError) as exc:
        add_user(*args)
    return str(exc.value)


def memberships(username: str) -> set[tuple[str, str]]:
    return set(Membership.objects.filter(user__username=username).values_list("org_unit__code", "role"))


def test_it_creates_the_user_with_the_membership(tree):
    out = add_user(
        "wang_chair", "--org", "2133010601", "--role", "committee_chair", "--password", PASSWORD, "--name", "王老师"
    )

    user = User.objects.get(username="wang_chair")
    assert user.name == "王老师"
    assert user.check_password(PASSWORD)
    assert memberships("wang_chair") == {("2133010601", Role.COMMITTEE_CHAIR)}
    assert "已授予角色 committee_chair @ 2133010601" in out
    assert AuditEvent.objects.filter(action="membership.added", object_id=str(user.pk)).count() == 1


def test_it_generates_a_password_shown_once_when_none_is_given(tree, client):
    out = add_user("li_staff", "--org", "2133010601", "--role", "school_staff")

    generated = out.split("初始密码（仅显示一次）：")[1].strip()
    assert len(generated) >= 12
    assert User.objects.get(username="li_staff").check_password(generated)


def test_it_adds_a_second_membership_to_the_same_person(tree):
    """GIVEN a committee chair at school A
    WHEN the operator also makes them a member of the committee at school A2
    THEN one person holds both memberships and keeps the password."""
    add_user("zhang", "--org", "2133010601", "--role", "committee_chair", "--password", PASSWORD)

    add_user("zhang", "--org", "2133010602", "--role", "committee_member")

    assert User.objects.filter(username="zhang").count() == 1
    assert memberships("zhang") == {
        ("2133010601", Role.COMMITTEE_CHAIR),
        ("2133010602", Role.COMMITTEE_MEMBER),
    }
    assert User.objects.get(username="zhang").check_password(PASSWORD)


def test_adding_the_same_membership_twice_changes_nothing(tree):
    add_user("zhang", "--org", "330106", "--role", "county_officer", "--password", PASSWORD)

    out = add_user("zhang", "--org", "330106", "--role", "county_officer")

    assert "已有角色" in out
    assert memberships("zhang") == {("330106", Role.COUNTY_OFFICER)}
    assert AuditEvent.objects.filter(action="membership.added").count() == 1


def test_it_rejects_an_unknown_org_code_in_chinese_and_creates_nobody(tree):
    message = add_user_error("zhao", "--org", "999999", "--role", "school_staff", "--password", PASSWORD)

    assert message == "单位代码 999999 不存在。"
    assert not User.objects.filter(username="zhao").exists()


def test_it_rejects_an_unknown_role_and_lists_the_valid_ones(tree):
    message = add_user_error("zhao", "--org", "2133010601", "--role", "headmaster", "--password", PASSWORD)

    assert message.startswith("角色代码 headmaster 无效")
    assert "committee_chair" in message
    assert not User.objects.filter(username="zhao").exists()


@pytest.mark.parametrize(
    ("code", "role", "level"),
    [
        ("2133010601", "county_officer", "学校"),
        ("330106", "committee_chair", "县（区）"),
        ("330000", "city_officer", "省"),
        ("2133010601", "inspector", "学校"),
        ("330100", "review_expert", "市"),
    ],
)
def test_it_rejects_a_role_at_the_wrong_level_and_creates_nobody(tree, code, role, level):
    message = add_user_error("zhao", "--org", code, "--role", role, "--password", PASSWORD)

    assert f"不能设在{level}级单位" in message
    assert not User.objects.filter(username="zhao").exists()


@pytest.mark.parametrize(
    ("code", "role"),
    [("330106", "inspector"), ("330100", "inspector"), ("2133010601", "auditor"), ("330106", "sysadmin")],
)
def test_it_accepts_the_roles_that_may_sit_at_several_levels(tree, code, role):
    add_user("zhao", "--org", code, "--role", role, "--password", PASSWORD)

    assert memberships("zhao") == {(code, role)}


@pytest.mark.parametrize(("first", "second"), [("sysadmin", "auditor"), ("auditor", "sysadmin")])
def test_it_keeps_sysadmin_and_auditor_apart_on_one_person(tree, first, second):
    """Separation of duties: whoever runs the system must not also audit it."""
    add_user("qian", "--org", "330000", "--role", first, "--password", PASSWORD)

    message = add_user_error("qian", "--org", "330106", "--role", second)

    assert "职责分离" in message
    assert memberships("qian") == {("330000", first)}


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("Short-pw-1", "密码太短，至少需要 12 个字符"),  # 10 characters
        ("password1234", "密码过于常见"),  # 12 characters, on the common list
        ("739201846573", "密码不能全是数字"),  # 12 digits
    ],
)
def test_it_rejects_a_weak_password_and_creates_nobody(tree, password, reason):
    message = add_user_error("sun", "--org", "2133010601", "--role", "school_staff", "--password", password)

    assert message.startswith("密码不符合要求")
    assert reason in message
    assert not re.search("[A-Za-z]{3,}", message), "the operator reads Chinese, not Django's English"
    assert not User.objects.filter(username="sun").exists()


def test_a_weak_new_password_for_an_existing_user_changes_nothing(tree):
    add_user("sun", "--org", "2133010601", "--role", "school_staff", "--password", PASSWORD)

    add_user_error("sun", "--org", "2133010602", "--role", "school_staff", "--password", "short")

    assert User.objects.get(username="sun").check_password(PASSWORD)
    assert memberships("sun") == {("2133010601", Role.SCHOOL_STAFF)}


def test_an_error_makes_the_command_exit_with_status_1(tree, capsys, monkeypatch):
    # run_from_argv closes every connection when it ends, which would end the test's transaction.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    with pytest.raises(SystemExit) as exc:
        AddUserCommand().run_from_argv(
            ["manage.py", "add_user", "zhou", "--org", "999999", "--role", "school_staff", "--skip-checks"]
        )

    assert exc.value.code == 1
    assert "单位代码 999999 不存在" in capsys.readouterr().err
