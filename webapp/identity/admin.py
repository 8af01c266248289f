"""Staff edit the site's identity (one per site) and its footer pages (flat pages) in the admin."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from webapp.identity.models import SiteIdentity


@admin.register(SiteIdentity)
class SiteIdentityAdmin(admin.ModelAdmin):
    list_display = ["name", "site", "tagline"]
    fieldsets = [
        (None, {"fields": ["site", "name", "tagline", "introduction"]}),
        ("Pictures", {"fields": ["logo", "favicon"]}),
        ("Home page", {"fields": ["featured_collections"]}),
    ]
    filter_horizontal = ["featured_collections"]

    def has_delete_permission(self, request: HttpRequest, obj: SiteIdentity | None = None) -> bool:
        return False  # every site keeps one; edit it instead
