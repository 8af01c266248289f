"""Admin lists that stay fast on a large table (bench/admin_pages.py times them over 100,000 items): no count of
the unfiltered table beside a filtered one, long columns left out of list rows, and a count only when the
first page is full."""

from __future__ import annotations

from functools import cached_property

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest

LONG_ITEM_FIELDS = ("description", "usage_terms", "source_metadata")  # no list shows them; JSON is parsed per row


class PeekingPaginator(Paginator):
    """Reads the first page before counting, and counts only when it is full: a search that finds few items
    (or none) scans the catalog once instead of twice (once to count, once for the rows)."""

    @cached_property
    def first_rows(self) -> list:
        return list(self.object_list[: self.per_page + self.orphans + 1])

    @cached_property
    def count(self) -> int:
        if len(self.first_rows) <= self.per_page + self.orphans:
            return len(self.first_rows)
        return super().count

    def page(self, number) -> Page:
        number = self.validate_number(number)
        if number != 1:
            return super().page(number)
        # Page one is the rows read already: all of them when they are all, else a page's worth (orphans go last).
        whole = len(self.first_rows) <= self.per_page + self.orphans
        rows = self.first_rows if whole else self.first_rows[: self.per_page]
        return Page(rows, number, self)


class LeanChangeList(ChangeList):
    """The list's rows without the model admin's `list_deferred` columns, and a short list from the rows already
    read (the admin would read the whole filtered list again)."""

    def get_queryset(self, request: HttpRequest, exclude_parameters=None) -> QuerySet:
        deferred = getattr(self.model_admin, "list_deferred", ())
        return super().get_queryset(request, exclude_parameters).defer(*deferred)

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        if not self.multi_page and isinstance(self.paginator, PeekingPaginator) and not self.show_all:
            self.result_list = self.paginator.first_rows


class LeanListAdmin(admin.ModelAdmin):
    """A model admin whose list stays fast on a large table (see the module docstring)."""

    paginator = PeekingPaginator
    show_full_result_count = False  # "5 results (100,000 total)" would count the whole table on every filter
    list_deferred: tuple[str, ...] = ()

    def get_changelist(self, request: HttpRequest, **kwargs) -> type[ChangeList]:
        return LeanChangeList
