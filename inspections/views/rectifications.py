"""Rectification screens: the list, one order, its steps and evidence."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from bullying.access import get_in_scope_or_404
from bullying.errors import ApplicationError
from bullying.steps import run_step
from inspections import forms as f
from inspections import selectors, services
from inspections.filters import RectificationFilter
from inspections.models import (
    RECTIFICATION_TRANSITIONS,
    RectificationEvidence,
)
from inspections.views._common import file_response, refused

# ---------------------------------------------------------------------------
# Rectification


@login_required
def rectification_list(request):
    qs = selectors.rectifications_visible_to(request.user)
    filterset = RectificationFilter(request.GET or None, queryset=qs)
    rows = (filterset.qs if filterset.is_valid() else qs).order_by("status", "due_on", "id")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "inspections/rectification_list.html", {"filter": filterset, "page": page})


def _rectification(request, pk):
    return get_in_scope_or_404(request, selectors.rectifications_visible_to(request.user), pk)


def _rect_context(request, rect, **bound):
    user = request.user
    is_unit = selectors.acts_for(user, rect.unit)
    can_verify = selectors.can_verify(user, rect)
    context = {
        "rect": rect,
        "notes": rect.notes.select_related("actor").all(),
        "evidence": rect.evidence.all(),
        "is_unit": is_unit,
        "can_verify": can_verify,
        "can_note": (is_unit or selectors.oversees(user, rect.unit))
        and RECTIFICATION_TRANSITIONS["progress"].offered(rect),
        "note_form": f.StepForm(prefix="progress"),
        "complete_form": f.StepForm(prefix="complete"),
        "verify_form": f.StepForm(prefix="verify"),
        "reopen_form": f.ReopenForm(prefix="reopen"),
        "upload_form": f.UploadForm(prefix="ev"),
    }
    context.update(bound)
    return context


@login_required
def rectification_detail(request, pk: int):
    rect = _rectification(request, pk)
    return render(request, "inspections/rectification_detail.html", _rect_context(request, rect))


# Each step of ``RECTIFICATION_TRANSITIONS`` posted from the page: (form class, service
# call, success message). The form's context key comes from the table.
STEPS = {
    "progress": (
        f.StepForm,
        lambda user, rect, d: services.rectification_add_note(
            actor=user, rectification=rect, text=d["text"], on=d["on"]
        ),
        "整改进展已记录。",
    ),
    "complete": (
        f.StepForm,
        lambda user, rect, d: services.rectification_complete(
            actor=user, rectification=rect, text=d["text"], on=d["on"]
        ),
        "已报告整改完成，等待复查验收。",
    ),
    "verify": (
        f.StepForm,
        lambda user, rect, d: services.rectification_verify(actor=user, rectification=rect, text=d["text"], on=d["on"]),
        "复查验收通过。",
    ),
    "reopen": (
        f.ReopenForm,
        lambda user, rect, d: services.rectification_reopen(
            actor=user, rectification=rect, text=d["text"], due_on=d["due_on"], days=d["days"], on=d["on"]
        ),
        "已退回重新整改。",
    ),
}


@login_required
@require_POST
def rectification_step(request, pk: int, step: str):
    rect = _rectification(request, pk)
    if step not in STEPS:
        raise Http404
    form_class, call, done = STEPS[step]
    key = RECTIFICATION_TRANSITIONS[step].context_key

    def render_error(form):
        context = _rect_context(request, _rectification(request, pk), **{key: form})
        context["open_form"] = key
        return render(request, "inspections/rectification_detail.html", context, status=400)

    return run_step(
        request,
        form=form_class(request.POST, prefix=step),
        service=lambda d: call(request.user, rect, d),
        success_message=done,
        success_url=reverse("inspections:rectification", args=[rect.pk]),
        render_error=render_error,
    )


@login_required
@require_POST
def rectification_evidence_upload(request, pk: int):
    rect = _rectification(request, pk)
    form = f.UploadForm(request.POST, request.FILES, prefix="ev")
    if form.is_valid():
        try:
            services.rectification_add_evidence(
                actor=request.user,
                rectification=rect,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except (ApplicationError, PermissionDenied) as exc:
            refused(request, exc)
        else:
            messages.success(request, "整改佐证材料已上传。")
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect(reverse("inspections:rectification", args=[rect.pk]) + "#evidence")


@login_required
def rectification_evidence_download(request, pk: int, evidence_id: int):
    rect = _rectification(request, pk)
    evidence = get_in_scope_or_404(request, RectificationEvidence.objects.filter(rectification=rect), evidence_id)
    return file_response(evidence, f"整改{rect.pk}-佐证材料{evidence.pk}")
