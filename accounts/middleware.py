"""Session limits and the second-factor gate."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.middleware import LoginRequiredMiddleware
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from accounts.selectors import requires_second_factor
from bullying.audit.services import audit_denied, audit_record

SESSION_AUTH_AT = "auth_at"
SESSION_SEEN_AT = "seen_at"
# The idle limit is moved on at most once a minute: saving the session on every request
# would cost every page a transaction (three queries) for nothing.
SESSION_REFRESH_SECONDS = 60


class SessionLimitsMiddleware:
    """Ends a session 12 hours after sign-in, however active it has been, and after
    ``SESSION_COOKIE_AGE`` (30 minutes) without a request.

    The idle limit is the server-side expiry of the session, moved on by saving the
    session; a request saves it when the last save is a minute old or more.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and hasattr(request, "session"):
            auth_at = request.session.get(SESSION_AUTH_AT)
            if auth_at is None or time.time() - auth_at > settings.SESSION_ABSOLUTE_SECONDS:
                audit_record(action="session.expired", actor=user, detail={"reason": "absolute"})
                logout(request)
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": "会话已过期，请重新登录。"}, status=401)
                # Same shape as login_required's redirect: the full address, query included, encoded.
                return redirect_to_login(request.get_full_path())
            now = int(time.time())
            if now - request.session.get(SESSION_SEEN_AT, 0) >= SESSION_REFRESH_SECONDS:
                request.session[SESSION_SEEN_AT] = now  # modified: saved with a new expiry
        return self.get_response(request)


def _mfa_exempt(path: str) -> bool:
    exempt = (
        reverse("accounts:mfa"),
        reverse("accounts:logout"),
        settings.STATIC_URL,
        "/i18n/",
    )
    return path.startswith(exempt)


class SecondFactorMiddleware:
    """Officials, sysadmins and auditors must pass TOTP before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.BULLYING_REQUIRE_MFA
            and user.is_authenticated
            and not user.is_verified()
            and requires_second_factor(user)
            and not _mfa_exempt(request.path)
        ):
            if request.path.startswith("/api/"):
                audit_denied(
                    actor=user, object_type="path", object_id=request.path, detail={"reason": "second_factor_missing"}
                )
                return JsonResponse({"detail": "需要先完成双因素认证。"}, status=403)
            return redirect("accounts:mfa")
        return self.get_response(request)


class DenyByDefaultMiddleware(LoginRequiredMiddleware):
    """Every page needs a signed-in user unless its view says ``@login_not_required``.

    API views (Django REST framework) authenticate with their own classes (tokens),
    which run inside the view; their default permission is ``IsAuthenticated`` and
    ``tests/test_access_policy.py`` checks that none opens up without being listed.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if getattr(view_func, "cls", None) is not None:
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
