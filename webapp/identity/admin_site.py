"""The admin site, titled with the site's name as staff set it (read at request time, not at start-up)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from webapp.identity.models import current


class SiteAdmin(admin.AdminSite):
    def each_context(self, request: HttpRequest) -> dict:
        context = super().each_context(request)
        name = current(request).name
        context.update(site_title=f"{name} staff", site_header=f"{name} · staff admin", index_title="Catalog and site")
        return context
