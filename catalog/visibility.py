"""Who sees what of the catalog: the one rule every page and API applies to drafts."""

from __future__ import annotations

from django.db.models import QuerySet

from catalog.models import CatalogImage


def sees_drafts(user) -> bool:
    """Drafts are for active staff and for accounts that may change the catalog (partners that sync it)."""
    return bool(user and user.is_active and (user.is_staff or user.has_perm("catalog.change_catalogimage")))


def visible_items(user) -> QuerySet[CatalogImage]:
    """The items this user may see: published ones, and drafts too for those `sees_drafts` admits."""
    items = CatalogImage.objects.select_related("creator", "collection")
    return items if sees_drafts(user) else items.published()
