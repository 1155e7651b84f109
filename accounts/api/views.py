from django.conf import settings
from django.utils import timezone
from django_otp import match_token
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from accounts.api.authentication import token_issue
from accounts.api.serializers import (
    MeSerializer,
    OrgUnitSerializer,
    TokenRequestSerializer,
    TokenResponseSerializer,
)
from accounts.filters import OrgUnitFilter
from accounts.selectors import org_units_visible_to, requires_second_factor
from accounts.services import login_attempt
from bullying.api import ScopedViewSet
from bullying.audit.models import Outcome
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError


class TokenThrottle(AnonRateThrottle):
    rate = "30/min"


class TokenView(APIView):
    """Exchange username, password (and a TOTP code for officials) for a token."""

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [TokenThrottle]

    @extend_schema(request=TokenRequestSerializer, responses={200: TokenResponseSerializer})
    def post(self, request):
        data = TokenRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = login_attempt(
            username=data.validated_data["username"],
            password=data.validated_data["password"],
            request=request._request,
        )
        if settings.BULLYING_REQUIRE_MFA and requires_second_factor(user):
            otp = data.validated_data.get("otp") or ""
            if not user.totpdevice_set.filter(confirmed=True).exists():
                raise ApplicationError("该账号须先在网页端登录并绑定动态口令（双因素认证），再申请接口令牌。")
            if not otp or match_token(user, otp) is None:
                audit_record(action="login.mfa_failure", outcome=Outcome.FAILURE, actor=user)
                raise ApplicationError("动态口令错误或缺失。", field="otp")
        token = token_issue(user=user)
        audit_record(action="api.token_issued", actor=user)
        return Response({"token": token, "expires_at": timezone.now() + settings.API_TOKEN_LIFETIME})


class MeView(APIView):
    @extend_schema(responses={200: MeSerializer})
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class OrgUnitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Units in the caller's subtree, with their ancestors for context."""

    serializer_class = OrgUnitSerializer
    filterset_class = OrgUnitFilter

    def get_scoped_queryset(self):
        return org_units_visible_to(self.request.user).order_by("path")
