"""Deny by default: every URL pattern has an explicit access policy, and an anonymous
request to any non-public one is turned away."""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.permissions import AllowAny

# Views anyone may open without signing in, each for a stated reason.
PUBLIC_VIEWS = {
    "accounts.views.login_view": "the sign-in page",
    "accounts.views.logout_view": "signing out must work with an expired session",
    "bullying.views.healthz": "the container health check",
    "django.views.i18n.set_language": "choosing the language on the sign-in page",
}
PUBLIC_VIEW_MODULES = {
    "inspections.public_views": "published inspection results (政策要求向社会公布)",
}
PUBLIC_API_VIEWS = {
    "accounts.api.views.TokenView": "exchanging a password for a token",
}


def _walk(patterns, prefix="", namespace=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry, namespace


def _qualname(callback) -> str:
    cls = getattr(callback, "cls", None)
    target = cls or callback
    return f"{target.__module__}.{target.__qualname__}"


def _is_public(callback) -> bool:
    name = _qualname(callback)
    if getattr(callback, "cls", None) is not None:
        return name in PUBLIC_API_VIEWS
    return name in PUBLIC_VIEWS or callback.__module__ in PUBLIC_VIEW_MODULES


ROUTES = list(_walk(get_resolver().url_patterns))


def test_every_view_declares_an_access_policy():
    problems = []
    for route, pattern, _ns in ROUTES:
        callback = pattern.callback
        cls = getattr(callback, "cls", None)
        name = _qualname(callback)
        if cls is not None:
            permissions = list(getattr(cls, "permission_classes", []))
            if not permissions:
                problems.append(f"{route}: {name} has no permission classes")
            elif AllowAny in permissions and name not in PUBLIC_API_VIEWS:
                problems.append(f"{route}: {name} allows anyone but is not listed as public")
        elif getattr(callback, "login_required", True) is False and not _is_public(callback):
            problems.append(f"{route}: {name} opts out of sign-in but is not listed as public")
    assert problems == []
    assert len(ROUTES) > 40  # the walk really saw the URL conf


def _url_for(pattern, namespace):
    kwargs = {key: "1" for key in pattern.pattern.regex.groupindex}
    if "day" in kwargs:
        kwargs["day"] = "2026-01-01"
    if "step" in kwargs:
        kwargs["step"] = "start"
    if not pattern.name:
        return None
    try:
        return reverse(f"{namespace}{pattern.name}", kwargs=kwargs)
    except Exception:
        return None


CHECKABLE = [
    pytest.param(url, pattern, id=url)
    for _route, pattern, ns in ROUTES
    if not _is_public(pattern.callback) and (url := _url_for(pattern, ns))
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "pattern"), CHECKABLE)
def test_an_anonymous_request_is_turned_away(client, url, pattern):
    for method in ("get", "post"):
        response = getattr(client, method)(url)
        if url.startswith("/api/"):
            assert response.status_code in (401, 403), (method, url, response.status_code)
        else:
            assert response.status_code == 302, (method, url, response.status_code)
            assert response["Location"].startswith("/accounts/login/"), (method, url)


def test_every_non_public_route_was_requested():
    named = [p for _r, p, _ns in ROUTES if not _is_public(p.callback) and p.name]
    # A route left out of CHECKABLE could not be reversed with sample arguments.
    assert len(CHECKABLE) >= len(named) - 2, sorted({p.name for p in named} - {p.values[1].name for p in CHECKABLE})
