"""Writes for units, users, memberships and logins. Each writes its audit row."""

import csv
import io
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import authenticate
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from accounts import lockout
from accounts.models import (
    EXCLUSIVE_ROLES,
    LEVEL_DEPTH,
    ROLE_LEVELS,
    Level,
    Membership,
    OrgUnit,
    Role,
    User,
)
from bullying.audit.models import Outcome
from bullying.audit.services import audit_record, current_ip
from bullying.errors import ApplicationError

# ---------------------------------------------------------------------------
# Login


def audit_refused_login(*, action: str, outcome: str, username: str, detail: dict | None = None) -> None:
    """Audit a refused login under the unit of the named user, if the name is known, so
    the auditors of that unit see attempts on their people; unknown names stay
    unattributed (only a root auditor reads those, ``audit_events_visible_to``)."""
    membership = (
        Membership.objects.filter(user__username=username).select_related("org_unit").order_by("pk").first()
        if username
        else None
    )
    audit_record(
        action=action,
        outcome=outcome,
        username=username,
        org_unit=membership.org_unit if membership else None,
        detail=detail,
    )


def login_attempt(*, username: str, password: str, request=None) -> User:
    """Check a password login against the lockout rule; audit every outcome."""
    now = timezone.now()
    username = (username or "").strip()
    until = lockout.locked_until(username, now=now)
    if until is not None:
        audit_refused_login(action="login.locked", outcome=Outcome.DENIED, username=username)
        local = timezone.localtime(until)
        raise ApplicationError(
            _("登录失败次数过多，账号已临时锁定，请于 %(time)s 后再试。") % {"time": local.strftime("%H:%M")}
        )
    user = authenticate(request, username=username, password=password)
    if user is None:
        lockout.record_failure(username, now=now, ip=current_ip.get())
        audit_refused_login(action="login.failure", outcome=Outcome.FAILURE, username=username)
        if lockout.locked_until(username, now=now) is not None:
            audit_refused_login(action="login.locked", outcome=Outcome.DENIED, username=username)
            raise ApplicationError(_("登录失败次数过多，账号已锁定 30 分钟。"))
        raise ApplicationError(_("用户名或密码不正确。"))
    lockout.clear_failures(username)
    return user


# ---------------------------------------------------------------------------
# Organisation units


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    code: str
    name: str
    level: str
    parent_code: str


REQUIRED_COLUMNS = ("code", "name", "level", "parent_code")


def read_org_unit_file(path: str | Path) -> list[_Row]:
    """Read a .csv (UTF-8, with or without BOM) or .xlsx file into rows with line numbers."""
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise ApplicationError(_("文件不存在：%(path)s") % {"path": path})
    if suffix == ".csv":
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = raw.decode("gb18030")
            except UnicodeDecodeError:
                raise ApplicationError(_("无法识别文件编码，请保存为 UTF-8 编码的 CSV。")) from None
        table = list(csv.reader(io.StringIO(text)))
    elif suffix == ".xlsx":
        import openpyxl

        try:
            workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:
            raise ApplicationError(_("无法读取 Excel 文件，请确认是 .xlsx 格式。")) from None
        sheet = workbook.worksheets[0]
        table = [["" if cell is None else str(cell) for cell in row] for row in sheet.iter_rows(values_only=True)]
        workbook.close()
    else:
        raise ApplicationError(_("只支持 .csv 或 .xlsx 文件。"))
    if not table:
        raise ApplicationError(_("文件为空。"))
    header = [h.strip().lower() for h in table[0]]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ApplicationError(
            _("第 1 行：缺少列 %(cols)s（需要 code,name,level,parent_code）。") % {"cols": ", ".join(missing)}
        )
    index = {c: header.index(c) for c in REQUIRED_COLUMNS}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        if not any(str(c).strip() for c in cells):
            continue
        cells = list(cells) + [""] * (len(header) - len(cells))
        rows.append(_Row(number, *(str(cells[index[c]]).strip() for c in REQUIRED_COLUMNS)))
    if not rows:
        raise ApplicationError(_("文件中没有任何单位（只有表头）。"))
    return rows


def _validate_rows(rows: list[_Row]) -> list[str]:
    errors: list[str] = []
    level_names = {lv.value: lv.label for lv in Level}
    by_code: dict[str, _Row] = {}
    for row in rows:
        if not row.code:
            errors.append(_("第 %(line)d 行：代码为空。") % {"line": row.line})
        if not row.name:
            errors.append(_("第 %(line)d 行：名称为空。") % {"line": row.line})
        if row.level not in level_names:
            errors.append(
                _("第 %(line)d 行：层级“%(level)s”无效，应为 province、city、county 或 school。")
                % {"line": row.line, "level": row.level}
            )
        if row.code in by_code:
            errors.append(
                _("第 %(line)d 行：代码 %(code)s 与第 %(first)d 行重复。")
                % {"line": row.line, "code": row.code, "first": by_code[row.code].line}
            )
        elif row.code:
            by_code[row.code] = row

    existing = {
        u.code: u
        for u in OrgUnit.objects.filter(code__in={r.parent_code for r in rows if r.parent_code} | set(by_code))
    }

    def level_of(code: str) -> str | None:
        if code in by_code:
            return by_code[code].level
        unit = existing.get(code)
        return unit.level if unit else None

    for row in by_code.values():
        if row.level not in level_names:
            continue
        if not row.parent_code:
            if row.level != Level.PROVINCE:
                errors.append(
                    _("第 %(line)d 行：%(level)s级单位必须填写上级代码。")
                    % {"line": row.line, "level": level_names[row.level]}
                )
            continue
        if row.parent_code == row.code:
            errors.append(_("第 %(line)d 行：上级代码不能是自身。") % {"line": row.line})
            continue
        parent_level = level_of(row.parent_code)
        if parent_level is None:
            errors.append(
                _("第 %(line)d 行：上级代码 %(parent)s 不存在。") % {"line": row.line, "parent": row.parent_code}
            )
        elif parent_level in level_names and LEVEL_DEPTH[parent_level] >= LEVEL_DEPTH[row.level]:
            errors.append(
                _("第 %(line)d 行：%(level)s级单位不能隶属于%(parent_level)s级单位 %(parent)s。")
                % {
                    "line": row.line,
                    "level": level_names[row.level],
                    "parent_level": level_names[parent_level],
                    "parent": row.parent_code,
                }
            )

    # Cycles among the file's own rows (also caught by the level rule, named here plainly).
    reported: set[str] = set()
    for start in by_code.values():
        seen: list[str] = []
        code = start.code
        while code in by_code and code not in seen:
            seen.append(code)
            code = by_code[code].parent_code
        if code in seen and code not in reported:
            cycle = seen[seen.index(code) :]
            reported.update(cycle)
            lines = "、".join(str(by_code[c].line) for c in cycle)
            errors.append(_("第 %(lines)s 行：上级关系构成循环。") % {"lines": lines})

    # An existing unit whose level changes must still sit above its current children.
    for code, row in by_code.items():
        unit = existing.get(code)
        if unit and row.level in level_names and row.level != unit.level:
            for child in unit.children.all():
                child_level = by_code[child.code].level if child.code in by_code else child.level
                if child_level in level_names and LEVEL_DEPTH[child_level] <= LEVEL_DEPTH[row.level]:
                    errors.append(
                        _("第 %(line)d 行：改为%(level)s级后，下级单位 %(child)s 的层级不再低于它。")
                        % {"line": row.line, "level": level_names[row.level], "child": child.code}
                    )
    return errors


def _rebuild_paths(unit: OrgUnit) -> None:
    """Recompute the materialised path of ``unit`` and its whole subtree.

    Both paths are read from the database, not from the objects in memory: an import
    that moves a unit higher up rewrites the stored paths below it, so objects loaded
    before that move carry stale paths.
    """
    old = OrgUnit.objects.filter(pk=unit.pk).values_list("path", flat=True).get()
    parent_path = (
        OrgUnit.objects.filter(pk=unit.parent_id).values_list("path", flat=True).get() if unit.parent_id else "/"
    )
    new = f"{parent_path}{unit.pk}/"
    unit.path = new
    if old == new:
        return
    if old:
        # One statement for the unit and its whole subtree, whatever its size.
        OrgUnit.objects.filter(path__startswith=old).update(path=Concat(Value(new), Substr("path", len(old) + 1)))
    else:
        OrgUnit.objects.filter(pk=unit.pk).update(path=new)


def org_units_import(*, rows: list[_Row], actor: User | None = None) -> ImportResult:
    """Create or update units from rows, all or nothing.

    A file with any bad line writes nothing and reports every bad line. Rows may come
    in any order; existing codes are updated, so a second run changes nothing.
    """
    result = ImportResult(errors=_validate_rows(rows))
    if result.errors:
        return result
    ordered = sorted(rows, key=lambda r: LEVEL_DEPTH[r.level])
    with transaction.atomic():
        units = {u.code: u for u in OrgUnit.objects.select_for_update().filter(code__in=[r.code for r in rows])}
        for row in ordered:
            parent = None
            if row.parent_code:
                parent = units.get(row.parent_code) or OrgUnit.objects.get(code=row.parent_code)
                units[parent.code] = parent
            unit = units.get(row.code)
            if unit is None:
                unit = OrgUnit.objects.create(code=row.code, name=row.name, level=row.level, parent=parent, path="")
                units[row.code] = unit
                _rebuild_paths(unit)
                result.created += 1
                continue
            if (unit.name, unit.level, unit.parent_id) == (row.name, row.level, parent.pk if parent else None):
                result.unchanged += 1
                continue
            moved = unit.parent_id != (parent.pk if parent else None)
            unit.name, unit.level, unit.parent = row.name, row.level, parent
            unit.save(update_fields=["name", "level", "parent"])
            if moved:
                _rebuild_paths(unit)
            result.updated += 1
        if result.created or result.updated:
            audit_record(
                action="org_units.imported",
                actor=actor,
                detail={"created": result.created, "updated": result.updated},
            )
    return result


# ---------------------------------------------------------------------------
# Users and memberships


def _check_role_fits(*, user: User, org_unit: OrgUnit, role: str) -> None:
    if role not in Role.values:
        raise ApplicationError(
            _("角色代码 %(role)s 无效，可选：%(roles)s。") % {"role": role, "roles": ", ".join(Role.values)}
        )
    if org_unit.level not in ROLE_LEVELS[role]:
        raise ApplicationError(
            _("角色“%(role)s”不能设在%(level)s级单位。")
            % {"role": Role(role).label, "level": Level(org_unit.level).label}
        )
    if role in EXCLUSIVE_ROLES:
        other = EXCLUSIVE_ROLES - {role}
        if Membership.objects.filter(user=user, role__in=other).exists():
            raise ApplicationError(_("职责分离：同一人不能同时担任系统管理员和审计员。"))


@transaction.atomic
def membership_add(*, user: User, org_unit: OrgUnit, role: str, actor: User | None = None) -> tuple[Membership, bool]:
    """Give ``user`` the ``role`` at ``org_unit``; a no-op if they already hold it."""
    User.objects.select_for_update().filter(pk=user.pk).first()  # serialise role changes per user
    _check_role_fits(user=user, org_unit=org_unit, role=role)
    membership, created = Membership.objects.get_or_create(user=user, org_unit=org_unit, role=role)
    if created:
        audit_record(
            action="membership.added",
            actor=actor,
            org_unit=org_unit,
            obj=user,
            detail={"role": role, "org_unit": org_unit.code},
        )
        user.__dict__.pop("_memberships_cache", None)
    return membership, created


@transaction.atomic
def membership_remove(*, membership: Membership, actor: User | None = None) -> None:
    audit_record(
        action="membership.removed",
        actor=actor,
        org_unit=membership.org_unit,
        obj=membership.user,
        detail={"role": membership.role, "org_unit": membership.org_unit.code},
    )
    membership.delete()


# Django 5.2 ships no Chinese for some validator messages (the minimum length one is
# English even under zh-hans), so the operator-facing text is keyed on the error code.
_PASSWORD_PROBLEMS = {
    "password_too_short": _lazy("密码太短，至少需要 %(min_length)d 个字符。"),
    "password_too_common": _lazy("密码过于常见，容易被猜到。"),
    "password_entirely_numeric": _lazy("密码不能全是数字。"),
    "password_too_similar": _lazy("密码与用户名或姓名过于相似。"),
}


def _check_password(password: str, user: User) -> None:
    """Run the configured validators; refuse with every problem, in Chinese."""
    try:
        validate_password(password, user)
    except ValidationError as exc:
        problems = []
        for error in exc.error_list:
            template = _PASSWORD_PROBLEMS.get(error.code or "")
            if template is None:
                problems.extend(error.messages)
            else:
                problems.append(str(template) % (error.params or {}))
        raise ApplicationError(_("密码不符合要求：") + "".join(problems)) from None


@transaction.atomic
def user_add(
    *,
    username: str,
    org_code: str,
    role: str,
    password: str | None = None,
    name: str | None = None,
    actor: User | None = None,
) -> tuple[User, bool, str | None]:
    """Create the user if needed and add the membership (API.md ``add_user``).

    Returns the user, whether the membership is new, and a generated password when the
    user was created without one (shown once to the operator).
    """
    org_unit = OrgUnit.objects.filter(code=org_code).first()
    if org_unit is None:
        raise ApplicationError(_("单位代码 %(code)s 不存在。") % {"code": org_code})
    if role not in Role.values:
        raise ApplicationError(
            _("角色代码 %(role)s 无效，可选：%(roles)s。") % {"role": role, "roles": ", ".join(Role.values)}
        )
    if not username or len(username) > 150:
        raise ApplicationError(_("用户名不能为空，且不超过 150 个字符。"))
    user = User.objects.filter(username=username).first()
    generated = None
    if user is None:
        user = User(username=username, name=name or "")
        if password is None:
            generated = password = secrets.token_urlsafe(12)
        _check_password(password, user)
        user.set_password(password)
        user.save()
    else:
        changed = []
        if name and user.name != name:
            user.name = name
            changed.append("name")
        if password is not None:
            _check_password(password, user)
            user.set_password(password)
            changed.append("password")
        if changed:
            user.save(update_fields=changed)
    _membership, created = membership_add(user=user, org_unit=org_unit, role=role, actor=actor)
    return user, created, generated
