"""The home page: the search page before anything is asked, with the site's introduction and collections."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count
from django.http import HttpRequest, QueryDict

from catalog.visibility import visible_items
from webapp.identity.models import Identity

COLLECTIONS_SHOWN = 4


def is_home(params: QueryDict) -> bool:
    """Nothing asked yet: no words, picture, filter, order or page."""
    return not any(value for _, values in params.lists() for value in values)


@dataclass(frozen=True)
class FeaturedCollection:
    pk: int
    name: str
    rights_holder: str
    count: int
    cover: int | None  # the item whose thumbnail stands for the collection: its first


def featured_collections(request: HttpRequest, identity: Identity) -> list[FeaturedCollection]:
    """The collections staff chose (webapp.identity), else the largest ones, with what this visitor may see."""
    items = visible_items(request.user).order_by()
    columns = ("collection", "collection__name", "collection__rights_holder")
    by_id = {
        row["collection"]: row
        for row in items.filter(collection__isnull=False).values(*columns).annotate(n=Count("pk"))
    }
    chosen = [pk for pk in identity.featured if pk in by_id]
    if not chosen:
        chosen = sorted(by_id, key=lambda pk: (-by_id[pk]["n"], by_id[pk]["collection__name"]))
    featured = []
    for pk in chosen[:COLLECTIONS_SHOWN]:
        row = by_id[pk]
        cover = items.filter(collection_id=pk).order_by("created_at", "pk").values_list("pk", flat=True).first()
        name, holder = row["collection__name"], row["collection__rights_holder"]
        featured.append(FeaturedCollection(pk, name, holder, row["n"], cover))
    return featured
