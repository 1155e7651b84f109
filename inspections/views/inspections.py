"""The policy list and the inspection screens (self-check and supervision)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import OrgUnit
from accounts.selectors import subtree_q
from bullying.access import get_in_scope_or_404
from bullying.errors import ApplicationError
from bullying.steps import form_error, form_errors_text, run_step
from inspections import forms as f
from inspections import pdf, selectors, services
from inspections.filters import InspectionFilter, PolicyItemFilter
from inspections.models import (
    DEFICIENT_RESULTS,
    Category,
    Evidence,
    InspectionItem,
    InspectionKind,
    PolicyEdition,
    RectificationStatus,
    Result,
)
from inspections.views._common import file_response

# ---------------------------------------------------------------------------
# The policy list


@login_required
def policy_list(request):
    """Browse and search the 50 items (any edition), by keyword, category and level."""
    editions = list(PolicyEdition.objects.order_by("-is_current", "-issued_on", "-id"))
    form = f.PolicySearchForm(request.GET or None, editions=editions)
    code = request.GET.get("edition")
    edition = next((e for e in editions if e.code == code), None) or next((e for e in editions if e.is_current), None)
    qs = selectors.policy_items(edition)
    filterset = PolicyItemFilter(request.GET or None, queryset=qs)
    items = list(filterset.qs) if filterset.is_valid() else list(qs)
    groups = []
    for category in Category:
        rows = [i for i in items if i.category == category]
        if rows:
            groups.append({"label": category.label, "number": rows[0].category_number, "items": rows})
    return render(
        request,
        "inspections/policy_list.html",
        {
            "form": form,
            "edition": edition,
            "groups": groups,
            "count": len(items),
            "searching": bool(request.GET.get("q") or request.GET.get("category") or request.GET.get("level")),
            "q": request.GET.get("q", ""),
        },
    )


# ---------------------------------------------------------------------------
# Inspections


@login_required
def inspection_list(request):
    qs = selectors.inspection_list(request.user)
    filterset = InspectionFilter(request.GET or None, queryset=qs)
    rows = (filterset.qs if filterset.is_valid() else qs).order_by("-inspected_on", "-id")
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "inspections/inspection_list.html",
        {
            "filter": filterset,
            "page": page,
            "can_create": bool(selectors.units_acted_for(request.user))
            or selectors.supervisable_units(request.user).exists(),
            "open_rectifications": selectors.rectifications_visible_to(request.user)
            .filter(status=RectificationStatus.OPEN)
            .count(),
        },
    )


def _new_form_options(user):
    own = selectors.units_acted_for(user)
    supervisable = list(selectors.supervisable_units(user))
    kinds = set()
    if own:
        kinds.add(InspectionKind.SELF_CHECK)
    if supervisable:
        kinds.add(InspectionKind.SUPERVISION)
    targets = {u.pk: u for u in [*own, *supervisable]}
    return {
        "own": own,
        "supervisable": supervisable,
        "kinds": kinds,
        "targets": sorted(targets.values(), key=lambda u: u.path),
        "rounds": [r for r in selectors.rounds_visible_to(user) if not r.is_published],
        "campaigns": list(selectors.campaigns_visible_to(user)),
    }


@login_required
def inspection_new(request):
    options = _new_form_options(request.user)
    if not options["kinds"]:
        raise PermissionDenied
    form = f.InspectionNewForm(
        request.POST or None,
        targets=options["targets"],
        rounds=options["rounds"],
        campaigns=options["campaigns"],
        kinds=options["kinds"],
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        target = next(u for u in options["targets"] if str(u.pk) == d["target"])
        rnd = next((r for r in options["rounds"] if str(r.pk) == d["round"]), None)
        campaign = next((c for c in options["campaigns"] if str(c.pk) == d["campaign"]), None)
        try:
            inspection = services.inspection_create(
                actor=request.user,
                target=target,
                kind=d["kind"],
                inspected_on=d["inspected_on"],
                round=rnd,
                campaign=campaign,
                is_spot_check=d["is_spot_check"],
                is_unannounced=d["is_unannounced"],
            )
        except (ApplicationError, PermissionDenied) as exc:
            form_error(form, exc)
        else:
            messages.success(request, "检查已创建，请逐项填报。")
            return redirect("inspections:detail", pk=inspection.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "inspections/inspection_new.html",
        {"form": form, "own": options["own"], "supervisable_count": len(options["supervisable"])},
        status=status,
    )


def _inspection(request, pk):
    return get_in_scope_or_404(request, selectors.inspection_detail_queryset(request.user), pk)


def _detail_context(request, inspection, **bound):
    user = request.user
    rows = list(
        inspection.results.select_related("item", "updated_by").prefetch_related("evidence").order_by("item__number")
    )
    can_edit = selectors.can_edit_inspection(user, inspection) and not inspection.is_locked
    assessed = sum(1 for r in rows if r.result)
    only_deficient = request.GET.get("only") == "deficient"
    groups = []
    for category in Category:
        group_rows = [
            r for r in rows if r.item.category == category and (not only_deficient or r.result in DEFICIENT_RESULTS)
        ]
        if group_rows:
            groups.append({"label": category.label, "number": group_rows[0].item.category_number, "rows": group_rows})
    rectifications = list(
        inspection.rectifications.select_related("unit", "result__item").order_by("result__item__number", "id")
    )
    deficient = [r for r in rows if r.result in DEFICIENT_RESULTS]
    can_raise = inspection.is_locked and (
        selectors.can_edit_inspection(user, inspection) or selectors.oversees(user, inspection.target)
    )
    context = {
        "inspection": inspection,
        "groups": groups,
        "rows": rows,
        "assessed": assessed,
        "total": len(rows),
        "score": services.inspection_score(inspection),
        "can_edit": can_edit,
        "result_choices": Result.choices,
        "rectifications": rectifications,
        "deficient": deficient,
        "can_raise": can_raise and bool(deficient),
        "can_hold_to_account": inspection.is_locked and selectors.can_hold_to_account(user, inspection.target),
        "privacy_help": f.PRIVACY_HELP,
        "bound_item": bound.pop("bound_item", None),
        "only_deficient": only_deficient,
    }
    if can_edit:
        bound_item = context["bound_item"] or {}
        for row in rows:
            number = row.item.number
            if bound_item.get("number") == number:
                row.form = bound_item["form"]
            else:
                row.form = f.ItemResultForm(
                    initial={"result": row.result, "finding": row.finding, "weight": row.weight}, prefix=f"i{number}"
                )
            row.upload_form = f.UploadForm(prefix=f"ev{number}")
        context["header_form"] = f.InspectionHeaderForm(
            initial={
                "summary": inspection.summary,
                "inspected_on": inspection.inspected_on,
                "is_spot_check": inspection.is_spot_check,
                "is_unannounced": inspection.is_unannounced,
            },
            self_check=inspection.kind == InspectionKind.SELF_CHECK,
            prefix="head",
        )
    if context["can_raise"]:
        units = OrgUnit.objects.filter(subtree_q([inspection.target]), is_active=True).order_by("path")
        context["raise_form"] = f.RectificationRaiseForm(items=deficient, units=units, prefix="rect")
    context.update(bound)
    return context


@login_required
def inspection_detail(request, pk: int):
    inspection = _inspection(request, pk)
    return render(request, "inspections/inspection_detail.html", _detail_context(request, inspection))


@login_required
@require_POST
def inspection_header(request, pk: int):
    inspection = _inspection(request, pk)
    form = f.InspectionHeaderForm(request.POST, self_check=inspection.kind == InspectionKind.SELF_CHECK, prefix="head")

    def render_error(form):
        context = _detail_context(request, _inspection(request, pk))
        context["header_form"] = form
        return render(request, "inspections/inspection_detail.html", context, status=400)

    return run_step(
        request,
        form=form,
        service=lambda d: services.inspection_update(
            actor=request.user,
            inspection=inspection,
            summary=d["summary"],
            inspected_on=d["inspected_on"],
            is_spot_check=d.get("is_spot_check"),
            is_unannounced=d.get("is_unannounced"),
        ),
        success_message="检查信息已保存。",
        success_url=reverse("inspections:detail", args=[inspection.pk]),
        render_error=render_error,
    )


@login_required
@require_POST
def item_save(request, pk: int, number: int):
    inspection = _inspection(request, pk)
    if not InspectionItem.objects.filter(inspection=inspection, item__number=number).exists():
        raise Http404

    def render_error(form):
        context = _detail_context(request, _inspection(request, pk), bound_item={"number": number, "form": form})
        return render(request, "inspections/inspection_detail.html", context, status=400)

    return run_step(
        request,
        form=f.ItemResultForm(request.POST, prefix=f"i{number}"),
        service=lambda d: services.inspection_set_result(
            actor=request.user,
            inspection=inspection,
            number=number,
            result=d["result"],
            finding=d["finding"],
            weight=d["weight"],
        ),
        success_message=f"第{number}项已保存。",
        success_url=reverse("inspections:detail", args=[inspection.pk]) + f"#item-{number}",
        render_error=render_error,
        failure_prefix=f"第{number}项未保存：",
        failure_reason=form_errors_text,
    )


@login_required
@require_POST
def evidence_upload(request, pk: int, number: int):
    inspection = _inspection(request, pk)
    if not InspectionItem.objects.filter(inspection=inspection, item__number=number).exists():
        raise Http404
    form = f.UploadForm(request.POST, request.FILES, prefix=f"ev{number}")
    if form.is_valid():
        try:
            services.evidence_add(
                actor=request.user,
                inspection=inspection,
                number=number,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"第{number}项佐证材料已上传。")
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect(reverse("inspections:detail", args=[inspection.pk]) + f"#item-{number}")


@login_required
def evidence_download(request, pk: int, evidence_id: int):
    inspection = _inspection(request, pk)
    evidence = get_in_scope_or_404(request, Evidence.objects.filter(result__inspection=inspection), evidence_id)
    services.inspection_record_read(actor=request.user, inspection=inspection, via=f"evidence:{evidence.pk}")
    return file_response(evidence, f"检查{inspection.pk}-佐证材料{evidence.pk}")


@login_required
@require_POST
def inspection_submit(request, pk: int):
    inspection = _inspection(request, pk)
    try:
        services.inspection_submit(actor=request.user, inspection=inspection)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        context = _detail_context(request, _inspection(request, pk))
        return render(request, "inspections/inspection_detail.html", context, status=400)
    messages.success(request, "检查已提交，结果已锁定。")
    return redirect("inspections:detail", pk=inspection.pk)


@login_required
def inspection_pdf(request, pk: int):
    inspection = _inspection(request, pk)
    response = HttpResponse(pdf.inspection_report_pdf(inspection=inspection, viewer=request.user), "application/pdf")
    response["Content-Disposition"] = f'inline; filename="inspection-{inspection.pk}.pdf"'
    return response


@login_required
@require_POST
def rectification_raise(request, pk: int):
    inspection = _inspection(request, pk)
    context = _detail_context(request, inspection)
    if not context.get("raise_form"):
        raise PermissionDenied
    units = OrgUnit.objects.filter(subtree_q([inspection.target]), is_active=True).order_by("path")
    form = f.RectificationRaiseForm(request.POST, items=context["deficient"], units=units, prefix="rect")

    def render_error(form):
        context["raise_form"] = form
        return render(request, "inspections/inspection_detail.html", context, status=400)

    return run_step(
        request,
        form=form,
        service=lambda d: services.rectification_raise(
            actor=request.user,
            inspection=inspection,
            number=d["number"],
            requirement=d["requirement"],
            unit=units.filter(pk=d["unit"]).first(),
            due_on=d["due_on"],
            days=d["days"],
        ),
        success_message=lambda rect: f"已下达整改，期限 {rect.due_on:%Y-%m-%d}。",
        success_url=reverse("inspections:detail", args=[inspection.pk]) + "#rectifications",
        render_error=render_error,
        failure_prefix="未下达：",
    )
