"""Template tags of the catalog's admin pages: the count of licence requests that wait on the admin index."""

from __future__ import annotations

from django import template

from catalog import licensing

register = template.Library()


@register.simple_tag
def waiting_licence_requests() -> int:
    return licensing.waiting_count()
