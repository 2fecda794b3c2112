"""{% if request|in_wechat %}: the page is open in the WeChat browser (web.wechat)."""

from __future__ import annotations

from django import template

from o2o.web.wechat import inside_wechat

register = template.Library()


@register.filter
def in_wechat(request) -> bool:
    return request is not None and inside_wechat(request)
