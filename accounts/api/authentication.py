"""Bearer tokens that expire; only their digest is stored."""

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User
from accounts.services import audit_refused_login
from bullying.audit.models import Outcome


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_issue(*, user: User) -> str:
    """Issue a new token for ``user`` and return it (shown once, stored as a digest)."""
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    ApiToken.objects.filter(user=user, expires_at__lte=now).delete()
    ApiToken.objects.create(
        user=user, digest=_digest(raw), created_at=now, expires_at=now + settings.API_TOKEN_LIFETIME
    )
    return raw


class ExpiringTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key):
        token = ApiToken.objects.select_related("user").filter(digest=_digest(key)).first()
        if token is None:
            reason = "token_unknown"
        elif token.expires_at <= timezone.now():
            reason = "token_expired"
        elif not token.user.is_active:
            reason = "user_inactive"
        else:
            reason = None
        if reason is not None:
            # A refused token is a failed sign-in: audited like a wrong password.
            audit_refused_login(
                action="login.failure",
                outcome=Outcome.FAILURE,
                username=token.user.username if token else "",
                detail={"reason": reason},
            )
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新获取。")
        # A token is only issued after the second factor, so the user counts as verified.
        token.user.is_verified = lambda: True
        return token.user, token
