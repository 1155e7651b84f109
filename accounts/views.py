"""Sign-in, the second factor, and the administration pages of units, users and audit."""

import time
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required, login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.forms import LoginForm, OrgUnitSearchForm, OtpForm
from accounts.middleware import SESSION_AUTH_AT
from accounts.models import Membership, OrgUnit
from accounts.selectors import (
    AUDIT_READER_ROLES,
    USER_ADMIN_ROLES,
    audit_events_visible_to,
    has_role,
    org_units_visible_to,
    requires_second_factor,
    units_in_scope,
    users_visible_to,
)
from accounts.services import login_attempt
from bullying.access import get_in_scope_or_404
from bullying.audit.models import ACTION_LABELS, Outcome
from bullying.audit.services import audit_denied, audit_record
from bullying.errors import ApplicationError


def _safe_next(request, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    from django.urls import reverse

    return reverse(default)


@login_not_required
def login_view(request):
    if request.user.is_authenticated and (request.user.is_verified() or not _needs_second_factor(request.user)):
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = login_attempt(
                username=form.cleaned_data["username"], password=form.cleaned_data["password"], request=request
            )
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            login(request, user)
            request.session[SESSION_AUTH_AT] = time.time()
            if _needs_second_factor(user):
                return redirect(f"{_mfa_url()}?{urlencode({'next': _safe_next(request)})}")
            audit_record(action="login.success", actor=user)
            return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": request.GET.get("next", "")})


def _needs_second_factor(user) -> bool:
    return settings.BULLYING_REQUIRE_MFA and requires_second_factor(user)


def _mfa_url() -> str:
    from django.urls import reverse

    return reverse("accounts:mfa")


@login_required
def mfa_view(request):
    """Verify a TOTP code; a user without a confirmed device enrols one first (QR code)."""
    user = request.user
    if user.is_verified():
        return redirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        with transaction.atomic():
            device = TOTPDevice.objects.filter(user=user, confirmed=False).first() or TOTPDevice.objects.create(
                user=user, name="身份验证器", confirmed=False
            )
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["otp"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_record(action="login.mfa_enrolled", actor=user)
            otp_login(request, device)
            audit_record(action="login.success", actor=user, detail={"second_factor": True})
            return redirect(_safe_next(request))
        audit_record(action="login.mfa_failure", outcome=Outcome.FAILURE, actor=user)
        form.add_error("otp", "动态口令不正确，请核对手机时间后重试。")
    context = {"form": form, "enrolling": enrolling, "next": request.GET.get("next", "")}
    if enrolling:
        context["secret"] = b32encode(device.bin_key).decode()
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(scale=5)
    return render(request, "accounts/mfa.html", context)


@login_not_required
@require_POST
def logout_view(request):
    if request.user.is_authenticated:
        audit_record(action="logout", actor=request.user)
    logout(request)  # flushes the server-side session
    return redirect("accounts:login")


@login_required
def org_unit_list(request):
    form = OrgUnitSearchForm(request.GET or None)
    units = org_units_visible_to(request.user).select_related("parent").order_by("path")
    if form.is_valid():
        if form.cleaned_data["q"]:
            q = form.cleaned_data["q"]
            units = units.filter(name__icontains=q) | units.filter(code__startswith=q)
        if form.cleaned_data["level"]:
            units = units.filter(level=form.cleaned_data["level"])
    page = Paginator(units, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/org_unit_list.html", {"form": form, "page": page})


@login_required
def org_unit_detail(request, pk: int):
    unit = get_in_scope_or_404(request, org_units_visible_to(request.user), pk)
    children = org_units_visible_to(request.user).filter(parent=unit).order_by("code")
    ancestors = OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("path")
    staff = []
    if (
        has_role(request.user, USER_ADMIN_ROLES)
        and units_in_scope(request.user, roles=USER_ADMIN_ROLES).filter(pk=unit.pk).exists()
    ):
        staff = Membership.objects.filter(org_unit=unit).select_related("user").order_by("role")
    return render(
        request,
        "accounts/org_unit_detail.html",
        {"unit": unit, "children": children, "ancestors": ancestors, "staff": staff},
    )


def _require_roles_or_404(request, roles):
    if not has_role(request.user, roles):
        audit_denied(actor=request.user, object_type="path", object_id=request.path)
        raise Http404


@login_required
def user_list(request):
    _require_roles_or_404(request, USER_ADMIN_ROLES)
    users = users_visible_to(request.user).prefetch_related("memberships__org_unit").order_by("username")
    page = Paginator(users, 50).get_page(request.GET.get("page"))
    return render(request, "accounts/user_list.html", {"page": page})


@login_required
def audit_list(request):
    _require_roles_or_404(request, AUDIT_READER_ROLES)
    events = audit_events_visible_to(request.user).select_related("org_unit")
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    username = request.GET.get("username", "").strip()
    if username:
        events = events.filter(username=username)
    if "\x00" in action + username:
        # PostgreSQL refuses NUL in a query (a 500); no stored row can hold one anyway.
        events = events.none()
    page = Paginator(events, 100).get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/audit_list.html",
        {"page": page, "actions": ACTION_LABELS, "action": action, "username": username},
    )
