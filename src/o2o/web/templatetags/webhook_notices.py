"""The console's notice of webhook endpoints the platform disabled (read through
webhooks.selectors; shown on every console page until the owner enables them again)."""

from __future__ import annotations

from django import template

from o2o.webhooks import selectors

register = template.Library()


@register.inclusion_tag("web/console/_webhook_notices.html", takes_context=True)
def webhook_notices(context) -> dict:
    request = context.get("request")
    merchant = getattr(request, "merchant", None)
    if merchant is None or not getattr(request, "is_owner", False):
        return {"endpoints": []}
    return {"endpoints": list(selectors.failing_notices(merchant)[:5])}
