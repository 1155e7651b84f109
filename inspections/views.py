"""Supervision screens: the policy list, inspections, rectification, campaigns, rounds,
accountability, the league table and the exports.

A refused step re-renders the page with what was entered and the reason (400), so an
inspector never loses what they typed. Objects outside the caller's scope are 404.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Level, OrgUnit
from bullying.audit import Outcome, audit_record
from bullying.errors import ApplicationError
from inspections import forms as f
from inspections import pdf, reports, selectors, services
from inspections.filters import InspectionFilter, PolicyItemFilter, RectificationFilter
from inspections.models import (
    DEFICIENT_RESULTS,
    Category,
    Evidence,
    InspectionItem,
    InspectionKind,
    InspectionStatus,
    PolicyEdition,
    RectificationEvidence,
    RectificationStatus,
    Result,
    TaskSubmission,
)
from inspections.uploads import SUFFIXES


def _or_404(qs, pk, *, user, object_type: str):
    obj = qs.filter(pk=pk).first()
    if obj is None:
        audit_record(
            action="access.denied", outcome=Outcome.DENIED, actor=user, object_type=object_type, object_id=str(pk)
        )
        raise Http404
    return obj


def _refused(request, exc: ApplicationError | PermissionDenied) -> None:
    message = exc.message if isinstance(exc, ApplicationError) else (str(exc) or "无权办理此事项。")
    messages.error(request, message)


def _file(obj, name: str) -> FileResponse:
    return FileResponse(
        obj.file.open("rb"),
        as_attachment=True,
        filename=f"{name}{SUFFIXES.get(obj.content_type, '')}",
        content_type=obj.content_type,
    )


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
            field = getattr(exc, "field", None)
            message = exc.message if isinstance(exc, ApplicationError) else str(exc)
            form.add_error(field if field in form.fields else None, message)
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
    return _or_404(
        selectors.inspection_detail_queryset(request.user), pk, user=request.user, object_type="inspections.inspection"
    )


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
        units = OrgUnit.objects.filter(path__startswith=inspection.target.path, is_active=True).order_by("path")
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
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.inspection_update(
                actor=request.user,
                inspection=inspection,
                summary=d["summary"],
                inspected_on=d["inspected_on"],
                is_spot_check=d.get("is_spot_check"),
                is_unannounced=d.get("is_unannounced"),
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, "检查信息已保存。")
            return redirect("inspections:detail", pk=inspection.pk)
    messages.error(request, "未保存：请按提示修改后重新提交。")
    context = _detail_context(request, _inspection(request, pk))
    context["header_form"] = form
    return render(request, "inspections/inspection_detail.html", context, status=400)


@login_required
@require_POST
def item_save(request, pk: int, number: int):
    inspection = _inspection(request, pk)
    if not InspectionItem.objects.filter(inspection=inspection, item__number=number).exists():
        raise Http404
    form = f.ItemResultForm(request.POST, prefix=f"i{number}")
    if form.is_valid():
        d = form.cleaned_data
        try:
            services.inspection_set_result(
                actor=request.user,
                inspection=inspection,
                number=number,
                result=d["result"],
                finding=d["finding"],
                weight=d["weight"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"第{number}项已保存。")
            return redirect(reverse("inspections:detail", args=[inspection.pk]) + f"#item-{number}")
    messages.error(request, f"第{number}项未保存：" + "；".join(e for errs in form.errors.values() for e in errs))
    context = _detail_context(request, _inspection(request, pk), bound_item={"number": number, "form": form})
    return render(request, "inspections/inspection_detail.html", context, status=400)


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
    evidence = Evidence.objects.filter(result__inspection=inspection, pk=evidence_id).first()
    if evidence is None:
        raise Http404
    services.inspection_record_read(actor=request.user, inspection=inspection, via=f"evidence:{evidence.pk}")
    return _file(evidence, f"检查{inspection.pk}-佐证材料{evidence.pk}")


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
    units = OrgUnit.objects.filter(path__startswith=inspection.target.path, is_active=True).order_by("path")
    form = f.RectificationRaiseForm(request.POST, items=context["deficient"], units=units, prefix="rect")
    if form.is_valid():
        d = form.cleaned_data
        unit = units.filter(pk=d["unit"]).first()
        try:
            rect = services.rectification_raise(
                actor=request.user,
                inspection=inspection,
                number=d["number"],
                requirement=d["requirement"],
                unit=unit,
                due_on=d["due_on"],
                days=d["days"],
            )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            messages.success(request, f"已下达整改，期限 {rect.due_on:%Y-%m-%d}。")
            return redirect(reverse("inspections:detail", args=[inspection.pk]) + "#rectifications")
    messages.error(request, "未下达：请按提示修改后重新提交。")
    context["raise_form"] = form
    return render(request, "inspections/inspection_detail.html", context, status=400)


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
    return _or_404(
        selectors.rectifications_visible_to(request.user),
        pk,
        user=request.user,
        object_type="inspections.rectification",
    )


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
        "can_note": (is_unit or selectors.oversees(user, rect.unit)) and rect.status != RectificationStatus.VERIFIED,
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


STEPS = {
    "progress": (f.StepForm, "note_form", "整改进展已记录。"),
    "complete": (f.StepForm, "complete_form", "已报告整改完成，等待复查验收。"),
    "verify": (f.StepForm, "verify_form", "复查验收通过。"),
    "reopen": (f.ReopenForm, "reopen_form", "已退回重新整改。"),
}


@login_required
@require_POST
def rectification_step(request, pk: int, step: str):
    rect = _rectification(request, pk)
    if step not in STEPS:
        raise Http404
    form_class, key, done = STEPS[step]
    form = form_class(request.POST, prefix=step)
    status = 400
    if form.is_valid():
        d = form.cleaned_data
        try:
            if step == "progress":
                services.rectification_add_note(actor=request.user, rectification=rect, text=d["text"], on=d["on"])
            elif step == "complete":
                services.rectification_complete(actor=request.user, rectification=rect, text=d["text"], on=d["on"])
            elif step == "verify":
                services.rectification_verify(actor=request.user, rectification=rect, text=d["text"], on=d["on"])
            else:
                services.rectification_reopen(
                    actor=request.user,
                    rectification=rect,
                    text=d["text"],
                    due_on=d["due_on"],
                    days=d["days"],
                    on=d["on"],
                )
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        except PermissionDenied as exc:
            form.add_error(None, str(exc))
            status = 403
        else:
            messages.success(request, done)
            return redirect("inspections:rectification", pk=rect.pk)
    messages.error(request, "未保存：请按提示修改后重新提交。")
    context = _rect_context(request, _rectification(request, pk), **{key: form})
    context["open_form"] = key
    return render(request, "inspections/rectification_detail.html", context, status=status)


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
            _refused(request, exc)
        else:
            messages.success(request, "整改佐证材料已上传。")
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect(reverse("inspections:rectification", args=[rect.pk]) + "#evidence")


@login_required
def rectification_evidence_download(request, pk: int, evidence_id: int):
    rect = _rectification(request, pk)
    evidence = RectificationEvidence.objects.filter(rectification=rect, pk=evidence_id).first()
    if evidence is None:
        raise Http404
    return _file(evidence, f"整改{rect.pk}-佐证材料{evidence.pk}")


# ---------------------------------------------------------------------------
# Campaigns


@login_required
def campaign_list(request):
    campaigns = selectors.campaigns_visible_to(request.user).prefetch_related("phases")
    offices = selectors.scope_roots(request.user, roles=selectors.OVERSIGHT_ROLES)
    form = f.CampaignNewForm(request.POST or None, prefix="c") if offices else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = services.campaign_create_standard(
                    actor=request.user,
                    organiser=offices[0],
                    year=form.cleaned_data["year"],
                    name=form.cleaned_data["name"],
                )
            except (ApplicationError, PermissionDenied) as exc:
                _refused(request, exc)
            else:
                messages.success(request, "专项治理行动已创建。")
                return redirect("inspections:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "inspections/campaign_list.html",
        {"campaigns": campaigns, "form": form, "organiser": offices[0] if offices else None},
        status=status,
    )


@login_required
def campaign_detail(request, pk: int):
    campaign = _or_404(
        selectors.campaigns_visible_to(request.user), pk, user=request.user, object_type="inspections.campaign"
    )
    in_view = selectors.units_in_view(request.user)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = in_view.filter(pk=int(request.GET["unit"])).first()
        if unit is None:
            raise Http404
    if unit is None:
        roots = selectors.scope_roots(request.user, roles=selectors.INSPECTION_READER_ROLES)
        unit = roots[0] if roots else None
    completeness = reports.campaign_completeness(campaign, unit=unit) if unit else None
    own_units = [u for u in selectors.units_acted_for(request.user) if u.is_within(campaign.organiser)]
    submit_forms = []
    if completeness:
        for task in completeness.tasks:
            units = [u for u in own_units if u.level in task.levels]
            done = TaskSubmission.objects.filter(task=task, org_unit__in=units).values_list("org_unit_id", flat=True)
            units = [u for u in units if u.pk not in set(done)]
            if units:
                submit_forms.append((task, f.TaskSubmitForm(units=units, prefix=f"t{task.pk}")))
    return render(
        request,
        "inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "phases": campaign.phases.prefetch_related("tasks").all(),
            "c": completeness,
            "unit": unit,
            "submit_forms": submit_forms,
            "breadcrumb_units": OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("path") if unit else [],
            "in_view_ids": set(in_view.values_list("pk", flat=True)) if unit else set(),
        },
    )


@login_required
@require_POST
def task_submit(request, pk: int, task_id: int):
    campaign = _or_404(
        selectors.campaigns_visible_to(request.user), pk, user=request.user, object_type="inspections.campaign"
    )
    task = campaign.tasks.filter(pk=task_id).first()
    if task is None:
        raise Http404
    units = [u for u in selectors.units_acted_for(request.user) if u.level in task.levels]
    form = f.TaskSubmitForm(request.POST, request.FILES, units=units, prefix=f"t{task.pk}")
    if form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        try:
            submission = services.task_submit(
                actor=request.user,
                task=task,
                unit=unit,
                note=form.cleaned_data["note"],
                on=form.cleaned_data["on"],
                uploaded_file=form.cleaned_data["file"],
            )
        except (ApplicationError, PermissionDenied) as exc:
            _refused(request, exc)
        else:
            messages.success(request, f"“{task.title}”已报送{'（逾期报送）' if submission.is_late else ''}。")
    else:
        messages.error(request, "未报送：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("inspections:campaign", args=[campaign.pk]) + "#tasks")


@login_required
def submission_file(request, pk: int, submission_id: int):
    campaign = _or_404(
        selectors.campaigns_visible_to(request.user), pk, user=request.user, object_type="inspections.campaign"
    )
    submission = TaskSubmission.objects.filter(
        task__campaign=campaign, pk=submission_id, org_unit__in=selectors.units_in_view(request.user)
    ).first()
    if submission is None or not submission.file:
        raise Http404
    return _file(submission, f"报送材料{submission.pk}")


# ---------------------------------------------------------------------------
# Rounds, publication, accountability


@login_required
def round_list(request):
    rounds = selectors.rounds_visible_to(request.user).annotate(
        submitted=Count("inspections", filter=Q(inspections__status=InspectionStatus.SUBMITTED)),
        drafts=Count("inspections", filter=Q(inspections__status=InspectionStatus.DRAFT)),
    )
    offices = selectors.scope_roots(request.user, roles=selectors.OVERSIGHT_ROLES)
    form = None
    if offices:
        form = f.RoundNewForm(
            request.POST or None,
            offices=offices,
            campaigns=list(selectors.campaigns_visible_to(request.user)),
            prefix="r",
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            office = next(u for u in offices if str(u.pk) == d["office"])
            campaign = selectors.campaigns_visible_to(request.user).filter(pk=d["campaign"] or 0).first()
            try:
                rnd = services.round_create(
                    actor=request.user,
                    office=office,
                    title=d["title"],
                    semester=d["semester"],
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    campaign=campaign,
                )
            except (ApplicationError, PermissionDenied) as exc:
                field = getattr(exc, "field", None)
                message = exc.message if isinstance(exc, ApplicationError) else str(exc)
                form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, "督导批次已创建。")
                return redirect("inspections:round", pk=rnd.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/round_list.html", {"rounds": rounds, "form": form}, status=status)


@login_required
def round_detail(request, pk: int):
    rnd = _or_404(selectors.rounds_visible_to(request.user), pk, user=request.user, object_type="inspections.round")
    inspections = list(selectors.inspection_list(request.user).filter(round=rnd).order_by("target__path"))
    ids = [i.pk for i in inspections]
    return render(
        request,
        "inspections/round_detail.html",
        {
            "round": rnd,
            "inspections": inspections,
            "counts": reports.result_counts(ids),
            "rects": reports.rectification_counts(ids),
            "can_publish": not rnd.is_published
            and selectors._holds(request.user, selectors.OVERSIGHT_ROLES, {rnd.office_id}),
            "tables": reports.league_tables([i for i in inspections if i.status == InspectionStatus.SUBMITTED]),
        },
    )


@login_required
@require_POST
def round_publish(request, pk: int):
    rnd = _or_404(selectors.rounds_visible_to(request.user), pk, user=request.user, object_type="inspections.round")
    try:
        services.round_publish(actor=request.user, round=rnd)
    except (ApplicationError, PermissionDenied) as exc:
        _refused(request, exc)
    else:
        messages.success(request, "督导结果已向社会公布。")
    return redirect("inspections:round", pk=rnd.pk)


@login_required
def accountability_list(request):
    from cases.selectors import cases_visible_to

    user = request.user
    rows = selectors.accountability_visible_to(user)
    kind = request.GET.get("kind")
    if kind:
        rows = rows.filter(kind=kind)
    units = [u for u in selectors.units_in_view(user).order_by("path") if selectors.can_hold_to_account(user, u)]
    inspections = list(
        selectors.inspection_list(user).filter(status=InspectionStatus.SUBMITTED).order_by("-inspected_on")[:200]
    )
    form = None
    if units:
        initial = {}
        if request.GET.get("inspection", "").isdigit():
            chosen = next((i for i in inspections if i.pk == int(request.GET["inspection"])), None)
            if chosen:
                initial = {"inspection": chosen.pk, "unit": chosen.target_id}
        form = f.AccountabilityForm(request.POST or None, units=units, inspections=inspections, initial=initial)
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            unit = next(u for u in units if str(u.pk) == d["unit"])
            inspection = next((i for i in inspections if str(i.pk) == d["inspection"]), None)
            case = None
            if d["case"]:
                case = cases_visible_to(user).select_related("school").filter(number=d["case"].strip()).first()
                if case is None:
                    form.add_error("case", "未找到该编号的欺凌事件。")
            if not form.errors:
                try:
                    services.accountability_record(
                        actor=user,
                        unit=unit,
                        kind=d["kind"],
                        reason=d["reason"],
                        decided_on=d["decided_on"],
                        inspection=inspection,
                        case=case,
                    )
                except (ApplicationError, PermissionDenied) as exc:
                    field = getattr(exc, "field", None)
                    message = exc.message if isinstance(exc, ApplicationError) else str(exc)
                    form.add_error(field if field in form.fields else None, message)
                else:
                    messages.success(request, "问责已记录。")
                    return redirect("inspections:accountability")
    page = Paginator(rows.order_by("-decided_on", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "inspections/accountability_list.html", {"page": page, "form": form}, status=status)


# ---------------------------------------------------------------------------
# League table and export


def _results_filters(request):
    user = request.user
    kind = request.GET.get("kind") or InspectionKind.SUPERVISION
    if kind not in InspectionKind.values:
        kind = InspectionKind.SUPERVISION
    rounds = list(selectors.rounds_visible_to(user))
    campaigns = list(selectors.campaigns_visible_to(user))
    rnd = next((r for r in rounds if str(r.pk) == request.GET.get("round")), None)
    campaign = next((c for c in campaigns if str(c.pk) == request.GET.get("campaign")), None)
    return kind, rnd, campaign, rounds, campaigns


@login_required
def league(request):
    kind, rnd, campaign, rounds, campaigns = _results_filters(request)
    inspections = list(reports.submitted_inspections(request.user, kind=kind, round=rnd, campaign=campaign))
    tables = reports.league_tables(inspections)
    level = request.GET.get("level")
    if level in Level.values:
        tables = [t for t in tables if t[0] == level]
    return render(
        request,
        "inspections/league.html",
        {
            "tables": tables,
            "kind": kind,
            "round": rnd,
            "campaign": campaign,
            "rounds": rounds,
            "campaigns": campaigns,
            "kinds": InspectionKind.choices,
            "levels": [(v, label) for v, label in Level.choices if v != Level.PROVINCE],
            "level": level or "",
            "query": request.GET.urlencode(),
        },
    )


@login_required
def export_results(request):
    kind, rnd, campaign, _rounds, _campaigns = _results_filters(request)
    inspections = list(reports.submitted_inspections(request.user, kind=kind, round=rnd, campaign=campaign))
    title = rnd.title if rnd else (campaign.name if campaign else f"{InspectionKind(kind).label}结果")
    content = reports.results_workbook(inspections, title=title, generated_by=request.user.display_name)
    response = HttpResponse(content, content_type=reports.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="inspection-results.xlsx"'
    audit_record(action="inspection.read", actor=request.user, object_type="export", detail={"rows": len(inspections)})
    return response
