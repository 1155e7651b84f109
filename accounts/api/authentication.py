"""Bearer tokens that expire; only their digest is stored."""

import hashlib
import secrets

from django.conf import settings
from django.utils import timezone
from rest_framework import authentication, exceptions

from accounts.models import ApiToken, User


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
        token = (
            ApiToken.objects.select_related("user").filter(digest=_digest(key), expires_at__gt=timezone.now()).first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("令牌无效或已过期，请重新获取。")
        # A token is only issued after the second factor, so the user counts as verified.
        token.user.is_verified = lambda: True
        return token.user, token
