"""Organisation tree, users and memberships.

The tree is province → city → county → school. Each unit stores its materialised
path (``/1/7/31/``) so that "everything under this unit" is one indexed prefix query,
which every scoping rule in the portal relies on (``accounts.selectors``).
"""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    PROVINCE = "province", _("省")
    CITY = "city", _("市")
    COUNTY = "county", _("县（区）")
    SCHOOL = "school", _("学校")


LEVEL_DEPTH: dict[str, int] = {Level.PROVINCE: 0, Level.CITY: 1, Level.COUNTY: 2, Level.SCHOOL: 3}


class Role(models.TextChoices):
    SCHOOL_STAFF = "school_staff", _("学校教职工")
    COMMITTEE_MEMBER = "committee_member", _("欺凌治理委员会委员")
    COMMITTEE_CHAIR = "committee_chair", _("欺凌治理委员会主任")
    COUNTY_OFFICER = "county_officer", _("县级防治工作人员")
    REVIEW_EXPERT = "review_expert", _("复查调查小组成员")
    CITY_OFFICER = "city_officer", _("市级教育部门工作人员")
    PROVINCE_OFFICER = "province_officer", _("省级教育部门工作人员")
    INSPECTOR = "inspector", _("督导人员")
    AUDITOR = "auditor", _("审计员")
    SYSADMIN = "sysadmin", _("系统管理员")


ALL_LEVELS = frozenset(Level)

# Where each role may be held (API.md, "Role codes").
ROLE_LEVELS: dict[str, frozenset[str]] = {
    Role.SCHOOL_STAFF: frozenset({Level.SCHOOL}),
    Role.COMMITTEE_MEMBER: frozenset({Level.SCHOOL}),
    Role.COMMITTEE_CHAIR: frozenset({Level.SCHOOL}),
    Role.COUNTY_OFFICER: frozenset({Level.COUNTY}),
    Role.REVIEW_EXPERT: frozenset({Level.COUNTY}),
    Role.CITY_OFFICER: frozenset({Level.CITY}),
    Role.PROVINCE_OFFICER: frozenset({Level.PROVINCE}),
    Role.INSPECTOR: frozenset({Level.COUNTY, Level.CITY, Level.PROVINCE}),
    Role.AUDITOR: ALL_LEVELS,
    Role.SYSADMIN: ALL_LEVELS,
}

SCHOOL_ROLES = frozenset({Role.SCHOOL_STAFF, Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR})
COMMITTEE_ROLES = frozenset({Role.COMMITTEE_MEMBER, Role.COMMITTEE_CHAIR})
OFFICE_ROLES = frozenset({Role.COUNTY_OFFICER, Role.CITY_OFFICER, Role.PROVINCE_OFFICER})
# Separation of duties: nobody may hold both.
EXCLUSIVE_ROLES = frozenset({Role.SYSADMIN, Role.AUDITOR})


class OrgUnit(models.Model):
    """A province, city, county/district or school.

    ``code`` is the official code: the administrative division code for regions,
    the national school identification code for schools.
    """

    code = models.CharField(_("代码"), max_length=32, unique=True)
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级单位"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(max_length=255, db_index=True, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    @property
    def depth(self) -> int:
        return LEVEL_DEPTH[self.level]

    def ancestor_ids(self) -> list[int]:
        """Ids of the ancestors, root first, read from the path (no query)."""
        return [int(part) for part in self.path.strip("/").split("/")[:-1] if part]

    def is_within(self, other: "OrgUnit") -> bool:
        return self.path.startswith(other.path)


class User(AbstractUser):
    """A person using the portal. Organisation and role come from memberships."""

    name = models.CharField(_("姓名"), max_length=50, blank=True)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username


class Membership(models.Model):
    """A user holding a role at one organisation unit. A user may hold several."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    org_unit = models.ForeignKey(OrgUnit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(_("角色"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [
            models.UniqueConstraint(fields=["user", "org_unit", "role"], name="membership_unique_role_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.org_unit} · {self.get_role_display()}"


class LoginFailure(models.Model):
    """One failed password login, kept to decide lockouts (``accounts.lockout``)."""

    username = models.CharField(max_length=150, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["username", "at"], name="loginfailure_user_at")]

    def __str__(self) -> str:
        return f"{self.username} @ {self.at:%Y-%m-%d %H:%M}"


class ApiToken(models.Model):
    """A bearer token for the API, valid for ``API_TOKEN_LIFETIME`` after issue.

    Only the SHA-256 digest is stored; the token itself is shown once.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"token of {self.user_id} until {self.expires_at:%Y-%m-%d %H:%M}"
