"""Licence requests in the admin: staff see the new ones, then grant (e-mailing a link), quote or decline."""

from __future__ import annotations

import smtplib
from collections.abc import Callable

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import ngettext

from catalog import licensing
from catalog.admin_lists import LONG_ITEM_FIELDS, LeanListAdmin
from catalog.models import LicenceRequest

CUSTOMER_FIELDS = ("item_link", "licence_type", "usage", "size", "customer_name", "customer_email", "organisation",
                   "intended_use", "requested_by", "created_at")  # fmt: skip
OUTCOME_FIELDS = ("status", "acted_by", "acted_at", "downloads_used", "downloads_allowed", "download_expires_at",
                  "updated_at")  # fmt: skip


@admin.register(LicenceRequest)
class LicenceRequestAdmin(LeanListAdmin):
    """Requests come from customers and partners; staff change only the quoted price, and act through the actions."""

    list_display = ["created_at", "status", "item", "customer_name", "customer_email", "organisation", "acted_at"]
    list_display_links = ["created_at", "customer_name"]
    list_filter = ["status", "created_at", "licence_type"]
    search_fields = ["customer_name", "customer_email", "organisation", "item__title"]
    list_select_related = ["item"]
    list_deferred = ("intended_use", *(f"item__{name}" for name in LONG_ITEM_FIELDS))
    list_per_page = 50
    date_hierarchy = "created_at"
    actions = ["grant", "mark_quoted", "decline"]
    fieldsets = [
        ("Request", {"fields": CUSTOMER_FIELDS}),
        ("Quote", {"fields": ["quoted_price", "currency"]}),
        ("Outcome", {"fields": OUTCOME_FIELDS}),
    ]
    readonly_fields = [*CUSTOMER_FIELDS, *OUTCOME_FIELDS]

    def get_queryset(self, request: HttpRequest) -> QuerySet[LicenceRequest]:
        return super().get_queryset(request).select_related("item", "acted_by", "requested_by")  # one query a page

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.display(description="picture")
    def item_link(self, licence: LicenceRequest) -> str:
        if licence.item is None:
            return "(removed from the catalog)"
        url = reverse("admin:catalog_catalogimage_change", args=[licence.item.pk])
        return format_html('<a href="{}">{}</a> ({}×{} {})', url, licence.item.title, licence.item.width,
                           licence.item.height, licence.item.format)  # fmt: skip

    @admin.action(description="Grant (e-mail a download link)", permissions=["change"])
    def grant(self, request: HttpRequest, queryset: QuerySet[LicenceRequest]) -> None:
        def grant(licence: LicenceRequest) -> object:
            return licensing.grant(licence, request.user, request.build_absolute_uri)

        self._act(request, queryset, grant, "%d request granted and its customer e-mailed.",
                  "%d requests granted and their customers e-mailed.")  # fmt: skip

    @admin.action(description="Mark quoted", permissions=["change"])
    def mark_quoted(self, request: HttpRequest, queryset: QuerySet[LicenceRequest]) -> None:
        self._act(request, queryset, lambda licence: licensing.quote(licence, request.user),
                  "%d request marked quoted.", "%d requests marked quoted.")  # fmt: skip

    @admin.action(description="Decline", permissions=["change"])
    def decline(self, request: HttpRequest, queryset: QuerySet[LicenceRequest]) -> None:
        self._act(request, queryset, lambda licence: licensing.decline(licence, request.user),
                  "%d request declined.", "%d requests declined.")  # fmt: skip

    def _act(self, request: HttpRequest, queryset: QuerySet[LicenceRequest], act: Callable[[LicenceRequest], object],
             singular: str, plural: str) -> None:  # fmt: skip
        """Act on each request on its own: one that cannot be granted (no item, no mail sent) leaves the others done."""
        done = 0
        for licence in queryset.select_related("item"):
            try:
                act(licence)
            except (licensing.GrantBlocked, smtplib.SMTPException, OSError) as exc:
                self.message_user(request, f"{licence}: not done. {exc}", messages.ERROR)
                continue
            done += 1
        if done:
            self.message_user(request, ngettext(singular, plural, done) % done, messages.SUCCESS)
