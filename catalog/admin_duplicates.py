"""The admin's Duplicates page: the stored groups side by side; keep one, or mark a group as not duplicates.

The page reads what catalog.duplicate_checks keeps (no picture is matched while it loads) and says how
many pictures are not checked yet. At catalog scale it reads the stored pairs as bare ids (groups are their
connected parts, so every pair above the threshold counts), then loads the pictures of the groups shown
only; the count of unchecked pictures is remembered until the catalog or a check changes.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.views.decorators import staff_member_required
from django.core.cache import cache
from django.core.paginator import Page, Paginator
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from catalog.duplicate_checks import unchecked
from catalog.duplicates import DuplicateGroup, copies_of, dismiss, keep_one, quality, stored_entries
from catalog.models import CatalogImage, DuplicateCheck
from matching.duplicates import DEFAULT_THRESHOLD
from matching.index import store

GROUPS_PER_PAGE = 50
UNCHECKED_KEY = "duplicates:unchecked"  # (the state it was counted in, the count)
MEMBER_FIELDS = ("title", "width", "height", "format", "file_size", "status")  # what a group shows and ranks by


def group_url(item_id: int) -> str:
    """The Duplicates page showing only the group an item belongs to."""
    return f"{reverse('admin:catalog_catalogimage_duplicates')}?item={item_id}"


@staff_member_required
def duplicates_view(request: HttpRequest, model_admin: admin.ModelAdmin) -> HttpResponse:
    if not model_admin.has_change_permission(request):
        return HttpResponse("You may not change catalog images.", status=403)
    if request.method == "POST":
        return act(request)
    try:
        threshold = float(request.GET.get("threshold", DEFAULT_THRESHOLD))
    except ValueError:
        threshold = DEFAULT_THRESHOLD
    threshold = min(100.0, max(0.0, threshold))
    item = request.GET.get("item", "")
    item = item if item.isascii() and item.isdecimal() else ""
    page, groups = group_page(threshold, int(item) if item else None, request.GET.get("page"))
    context = {**model_admin.admin_site.each_context(request), "title": "Duplicates", "groups": groups,
               "page": page, "total": page.paginator.count, "first_number": page.start_index(),
               "threshold": threshold, "item": item, "unchecked": unchecked_count(),
               "opts": model_admin.model._meta}  # fmt: skip
    return render(request, "admin/catalog/duplicates.html", context)


def group_page(threshold: float, item: int | None, number: str | None) -> tuple[Page, list[DuplicateGroup]]:
    """One page of the stored groups (ordered and ranked as catalog.duplicates.find_groups does) and its groups,
    with only their pictures loaded: two queries of ids and scores for all groups, one for the pictures shown."""
    page = Paginator(stored_entries(threshold, item), GROUPS_PER_PAGE).get_page(number)
    shown = CatalogImage.objects.only(*MEMBER_FIELDS).in_bulk([i for entry in page.object_list for i in entry.ids])
    groups = [
        DuplicateGroup(sorted((shown[i] for i in entry.ids if i in shown), key=quality), entry.pairs)
        for entry in page.object_list
    ]
    return page, [group for group in groups if len(group.members) > 1]  # one removed meanwhile: not a group


def unchecked_count() -> int:
    """How many pictures are not checked for duplicates (catalog.duplicate_checks.unchecked), counted again only
    when the catalog's change log or a check moved: counting compares every picture's file with its check."""
    checks = DuplicateCheck.objects.aggregate(done=Count("full_at"), last=Max("full_at"))
    state = (store.latest_change(), checks["done"], checks["last"])
    kept = cache.get(UNCHECKED_KEY)
    if kept is not None and kept[0] == state:
        return kept[1]
    count = unchecked().count()
    cache.set(UNCHECKED_KEY, (state, count), None)
    return count


def act(request: HttpRequest) -> HttpResponse:
    ids = [int(i) for i in request.POST.getlist("member") if i.isascii() and i.isdecimal()]
    members = list(CatalogImage.objects.filter(pk__in=ids))
    back = HttpResponseRedirect(request.get_full_path())
    if len(members) < 2:
        messages.error(request, "That group no longer has two images; the page shows the current groups.")
        return back
    if request.POST.get("action") == "dismiss":
        dismiss(members, request.user)
        messages.success(request, f"Marked {len(members)} images as not duplicates; they will not be grouped again.")
        return back
    keeper = next((m for m in members if str(m.pk) == request.POST.get("keep")), None)
    if keeper is None:
        messages.error(request, "Choose the image to keep.")
        return back
    changed = keep_one(keeper, members)
    dismiss(members, request.user, resolved=True)
    messages.success(request, f"Kept “{keeper.title}”; {changed} other{'s' if changed != 1 else ''} unpublished.")
    return back


STRUCTURE_WARNINGS = {
    "blank": "This picture is blank or nearly so: image search finds it only from the identical file.",
    "fine": "This picture's detail is finer than image hashes resolve (thin lines, points, or under 64 px): "
    "image search reports a copy of it only when local features confirm it, or from the identical file.",
}


def warn_about_structure(request: HttpRequest, item: CatalogImage) -> None:
    """A warning on the item's admin page when image search can hold on to little of the picture."""
    warning = STRUCTURE_WARNINGS.get(store.structure(item.pk))
    if warning:
        messages.warning(request, warning)


def warn_about_copies(request: HttpRequest, item: CatalogImage) -> None:
    """A warning on the item's admin page when the catalog already has this picture."""
    copies, _ = copies_of(item)
    if not copies:
        return
    links = format_html_join(
        ", ", '<a href="{}">{}</a> (#{}, similarity {})',
        ((reverse("admin:catalog_catalogimage_change", args=[other.pk]), other.title, other.pk, f"{score:.0f}")
         for other, score in copies),
    )  # fmt: skip
    messages.warning(request, format_html("This picture is already in the catalog: {}.", links))
