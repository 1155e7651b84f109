"""The printable inspection report (督导检查报告 / 对照自查报告), laid out by WeasyPrint with
the house print stylesheet of the case documents (A4, Noto Serif/Sans CJK SC).

Inspections hold no child's name by design; findings are free text, and the form warns
inspectors not to write names (政策清单第33、44项).
"""

from collections import Counter

from django.utils import timezone

from accounts.models import User
from bullying.pdf import HOUSE_CSS, cn_date, local_moment, render_pdf
from inspections import services
from inspections.models import Category, Inspection, InspectionKind, InspectionStatus, Result

STYLESHEETS = (HOUSE_CSS, "inspections/pdf/report.css")


def inspection_report_pdf(*, inspection: Inspection, viewer: User) -> bytes:
    """The report of one inspection as A4 PDF bytes. The caller has checked that
    ``viewer`` may read ``inspection`` (the scoped queryset)."""
    inspection = Inspection.objects.select_related("target", "target__parent", "office", "edition", "round").get(
        pk=inspection.pk
    )
    rows = list(inspection.results.select_related("item").prefetch_related("evidence").order_by("item__number"))
    counts = Counter(r.result or "unchecked" for r in rows)
    previous = None
    for row in rows:
        # Items of one 内容 (a merged cell in the published table) show it once.
        row.same_topic = row.item.topic == previous
        previous = row.item.topic
    groups = []
    for category in Category:
        items = [r for r in rows if r.item.category == category]
        if items:
            groups.append({"label": category.label, "number": items[0].item.category_number, "rows": items})
    rectifications = list(
        inspection.rectifications.select_related("unit", "result__item").order_by("result__item__number", "id")
    )
    now = local_moment(timezone.now())
    is_self_check = inspection.kind == InspectionKind.SELF_CHECK
    context = {
        "inspection": inspection,
        "doc_title": "对照政策清单自查报告" if is_self_check else "督导检查报告",
        "is_self_check": is_self_check,
        "is_draft": inspection.status != InspectionStatus.SUBMITTED,
        "score": services.inspection_score(inspection),
        "counts": {
            "met": counts[Result.MET],
            "partly_met": counts[Result.PARTLY_MET],
            "not_met": counts[Result.NOT_MET],
            "not_applicable": counts[Result.NOT_APPLICABLE],
            "unchecked": counts["unchecked"],
            "total": len(rows),
        },
        "groups": groups,
        "deficient": [r for r in rows if r.is_deficient],
        "rectifications": rectifications,
        "inspected_on_cn": cn_date(inspection.inspected_on),
        "printed_on_cn": cn_date(now.date()),
        "printed_at": now,
        "printed_by": viewer.display_name,
        "docno": f"DC-{inspection.inspected_on:%Y}-{inspection.pk:05d}",
    }
    return render_pdf("inspections/pdf/report.html", context, stylesheets=STYLESHEETS)
