"""The one HTML step runner: validate the form, call the service, map a refusal onto the
form, tell the user, redirect or re-render.

A refused step re-renders the page with what was typed and the reason (400), so nobody
loses their input. ``PermissionDenied`` is not caught: it reaches the 403 handler, which
audits the refusal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from bullying.errors import ApplicationError

RETRY = "请按提示修改后重新提交。"


def refusal_message(exc: ApplicationError | PermissionDenied) -> str:
    if isinstance(exc, ApplicationError):
        return exc.message
    return str(exc) or "无权办理此事项。"


def form_error(form: forms.BaseForm, exc: ApplicationError | PermissionDenied) -> str | None:
    """Put a refusal on the field it names, or on the form as a whole. Returns the message
    when it is not about one of the form's fields (the page should say it plainly)."""
    field = getattr(exc, "field", None)
    on_field = field if field in form.fields else None
    message = refusal_message(exc)
    form.add_error(on_field, message)
    return None if on_field else message


def run_step(
    request: HttpRequest,
    *,
    form: forms.BaseForm,
    service: Callable[[Mapping[str, Any]], Any],
    success_message: str | Callable[[Any], str],
    success_url: str | Callable[[Any], str],
    render_error: Callable[[forms.BaseForm], HttpResponse],
    failure_prefix: str = "未保存：",
    failure_reason: Callable[[forms.BaseForm], str] | None = None,
) -> HttpResponse:
    """Run one workflow step posted from a page.

    ``service`` gets the cleaned data and does the write; on success the user sees
    ``success_message`` (or what it makes of the service's result) and is redirected to
    ``success_url``. On a refusal (invalid form or ``ApplicationError``) the message is
    ``failure_prefix`` plus the reason (the refusal's message when it is about no field,
    or ``failure_reason(form)`` if given), and ``render_error(form)`` re-renders the page.
    """
    reason = RETRY
    if form.is_valid():
        try:
            result = service(form.cleaned_data)
        except ApplicationError as exc:
            reason = form_error(form, exc) or RETRY
        else:
            messages.success(request, success_message(result) if callable(success_message) else success_message)
            return redirect(success_url(result) if callable(success_url) else success_url)
    if failure_reason is not None:
        reason = failure_reason(form)
    messages.error(request, f"{failure_prefix}{reason}")
    return render_error(form)


def run_action(
    request: HttpRequest,
    *,
    service: Callable[[], Any],
    success_message: str | Callable[[Any], str],
    failure_prefix: str = "",
) -> bool:
    """A step without a form (a button): the outcome goes to the messages. True on success."""
    try:
        result = service()
    except ApplicationError as exc:
        messages.error(request, f"{failure_prefix}{exc.message}")
        return False
    messages.success(request, success_message(result) if callable(success_message) else success_message)
    return True


def form_errors_text(form: forms.BaseForm) -> str:
    """Every error of a bound form on one line (for a message above the page)."""
    return "；".join(str(e) for errs in form.errors.values() for e in errs)
