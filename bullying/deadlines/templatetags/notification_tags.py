from django import template

from bullying.deadlines.selectors import escalations_visible_to

register = template.Library()


@register.inclusion_tag("notifications/escalations_panel.html", takes_context=True)
def escalations_panel(context):
    items = escalations_visible_to(context["request"].user)
    return {"items": list(items[:6]), "count": items.count()}
