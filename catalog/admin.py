"""Staff curation of the catalog in the Django admin.

Lists stay fast with a large catalog (bench/admin_pages.py times them over 100,000 items): newest first by
primary key (it grows with the date added, and every one-column index ends with it, so a filtered list
reads its index in order instead of sorting), no count of the unfiltered catalog beside a filtered one,
the long text and JSON columns left out of list rows, a count only when the first page is full, and no
query per row.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import ngettext

# admin_imports and admin_licensing register the jobs and the licence requests.
from catalog import admin_imports, admin_licensing, ingest, originals, suggestions  # noqa: F401
from catalog.admin_duplicates import duplicates_view, warn_about_copies, warn_about_structure
from catalog.admin_lists import LONG_ITEM_FIELDS, LeanListAdmin
from catalog.forms import CatalogImageForm
from catalog.models import CatalogImage, Collection, Creator, Status, SuggestedTag


@admin.register(Creator)
class CreatorAdmin(LeanListAdmin):
    search_fields = ["name"]
    list_display = ["name", "image_count"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Creator]:
        # A subquery per row shown (not a join grouped over the whole catalog, nor a query per row).
        images = CatalogImage.objects.filter(creator=OuterRef("pk")).order_by().values("creator")
        count = Subquery(images.annotate(n=Count("pk")).values("n"), output_field=IntegerField())
        return super().get_queryset(request).annotate(image_total=count)

    @admin.display(description="images", ordering="image_total")
    def image_count(self, creator: Creator) -> int:
        return creator.image_total or 0  # type: ignore[attr-defined]


@admin.register(Collection)
class CollectionAdmin(admin.ModelAdmin):
    search_fields = ["name", "rights_holder"]
    list_display = ["name", "rights_holder"]
    fieldsets = [
        (None, {"fields": ["name", "rights_holder"]}),
        ("What a licence request may ask for", {"fields": ["usage_options", "size_options"]}),
    ]


class SuggestedTagForm(forms.ModelForm):
    accept = forms.BooleanField(required=False, help_text="Move into the curated tags.")

    class Meta:
        model = SuggestedTag
        fields = ["hidden"]


class AboveTheFold(BaseInlineFormSet):
    """The item's likeliest words and its hidden ones (to show again); the rest are a link away (`more_suggestions`)."""

    def get_queryset(self) -> QuerySet[SuggestedTag]:
        if not hasattr(self, "_queryset"):
            shown = [row.pk for row in suggestions.above_the_fold(self.instance)] if self.instance.pk else []
            self._queryset = super().get_queryset().filter(pk__in=shown)
        return self._queryset


class SuggestedTagInline(admin.TabularInline):
    """The model's words for the image: accept one into the tags, or hide it from search."""

    model = SuggestedTag
    form = SuggestedTagForm
    formset = AboveTheFold
    fields = ["term", "confidence_percent", "public", "hidden", "accept"]
    readonly_fields = ["term", "confidence_percent", "public"]
    extra = 0
    can_delete = False
    verbose_name_plural = "Suggested tags (from the look-alike model; public search uses only those marked)"

    def has_add_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    @admin.display(description="confidence")
    def confidence_percent(self, suggestion: SuggestedTag) -> str:
        return f"{100 * suggestion.confidence:.0f}%"

    @admin.display(description="in public search", boolean=True)
    def public(self, suggestion: SuggestedTag) -> bool:
        mean = self.means(suggestion.image_id).get(suggestion.term)
        if mean is None:  # not among the item's words when they were read: a word added since
            mean = suggestions.expected([suggestion.term])[suggestion.term]
        return not suggestion.hidden and suggestions.is_public(suggestion.confidence, mean)

    def means(self, image_id: int) -> dict[str, float]:
        """The catalog means of all the item's words, read once per page (the inline lives for one request)."""
        if getattr(self, "_means_of", None) != image_id:
            terms = SuggestedTag.objects.filter(image_id=image_id).values_list("term", flat=True)
            self._means, self._means_of = suggestions.expected(terms), image_id
        return self._means


IMAGE_LOOKUP = "image__id__exact"  # the suggestions list of one image (linked from its page; the admin allows it)


@admin.register(SuggestedTag)
class SuggestedTagAdmin(LeanListAdmin):
    """Every suggestion in one list: hide a misleading word across the catalog, or accept many at once."""

    list_display = ["term", "image", "confidence", "hidden"]
    list_filter = ["hidden"]
    search_fields = ["term", "image__title"]
    list_select_related = ["image"]
    actions = ["accept", "hide", "show"]
    fields = ["image", "term", "confidence", "hidden"]
    readonly_fields = ["image", "term", "confidence"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Accept into the images' tags")
    def accept(self, request: HttpRequest, queryset: QuerySet[SuggestedTag]) -> None:
        moved, too_long = suggestions.accept(list(queryset))
        self.message_user(request, ngettext("%d suggestion accepted.", "%d suggestions accepted.", moved) % moved)
        if too_long:
            self.message_user(request, f"{too_long} did not fit in the tags field (1000 characters) and stay "
                                       "suggested.", messages.WARNING)  # fmt: skip

    @admin.action(description="Hide from search")
    def hide(self, request: HttpRequest, queryset: QuerySet[SuggestedTag]) -> None:
        changed = suggestions.hide(queryset)
        self.message_user(request, ngettext("%d suggestion hidden.", "%d suggestions hidden.", changed) % changed)

    @admin.action(description="Show again")
    def show(self, request: HttpRequest, queryset: QuerySet[SuggestedTag]) -> None:
        changed = suggestions.hide(queryset, hidden=False)
        self.message_user(request, ngettext("%d suggestion shown.", "%d suggestions shown.", changed) % changed)


@admin.register(CatalogImage)
class CatalogImageAdmin(LeanListAdmin):
    form = CatalogImageForm
    inlines = [SuggestedTagInline]
    list_display = [
        "thumbnail",
        "title",
        "creator",
        "year_column",
        "license_type",
        "price",
        "status",
        "dimensions",
        "format",
    ]
    list_display_links = ["thumbnail", "title"]
    list_filter = ["status", "license_type", "format", "orientation", "collection", "created_at"]
    search_fields = ["title", "creator__name", "tags", "description", "identifier", "sha256"]
    list_select_related = ["creator"]  # the collection is a filter, not a column
    list_deferred = LONG_ITEM_FIELDS
    list_per_page = 50
    ordering = ["-pk"]  # newest first, as the model's order (see the module docstring)
    autocomplete_fields = ["creator", "collection"]
    actions = ["publish", "unpublish"]
    readonly_fields = [
        "preview",
        "more_suggestions",
        "width",
        "height",
        "format",
        "orientation",
        "file_size",
        "sha256",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["preview", "image", "title", "creator", "year", "year_approximate", "status"]}),
        ("Description", {"fields": ["description", "tags", "more_suggestions", "collection", "identifier"]}),
        ("Licence", {"fields": ["license_type", "price", "currency", "usage_terms"]}),
        (
            "Technical facts (read from the file)",
            {"fields": ["width", "height", "format", "orientation", "file_size", "sha256", "created_at", "updated_at"]},
        ),
    ]

    def get_search_results(self, request: HttpRequest, queryset: QuerySet, search_term: str) -> tuple[QuerySet, bool]:
        """The admin's search over `search_fields` (each word in one of them), the creator's name matched first in
        the creators, not joined to every item the search reads; their ids leave the item columns' conditions
        free to use an index where the database has one (PostgreSQL trigrams)."""
        own = [name for name in self.search_fields if "__" not in name]
        for bit in smart_split(search_term):
            if bit[:1] in "\"'" and bit[-1:] == bit[:1]:
                bit = unescape_string_literal(bit)
            creators = list(Creator.objects.filter(name__icontains=bit).values_list("pk", flat=True))
            matches = Q(creator__in=creators) if creators else Q(pk__in=[])
            for name in own:
                matches |= Q(**{f"{name}__icontains": bit})
            queryset = queryset.filter(matches)
        return queryset, False

    @admin.display(description="")
    def thumbnail(self, item: CatalogImage) -> str:
        if not item.sha256:
            return ""
        return format_html(
            '<img src="{}" alt="{}" style="max-width:96px;max-height:96px" loading="lazy">',
            reverse("page:thumbnail", args=[item.pk, "small"]),
            item.title,
        )

    @admin.display(description="preview")
    def preview(self, item: CatalogImage) -> str:
        if not item.pk or not item.sha256:
            return "Saved images show a preview here."
        return format_html(
            '<img src="{}" alt="{}" style="max-width:100%;max-height:600px"><br>'
            '<a href="{}">Download the original</a> ({}×{} {}, a link that works for a few minutes)',
            reverse("page:thumbnail", args=[item.pk, "preview"]),
            item.title,
            originals.signed_url(item),
            item.width,
            item.height,
            item.format,
        )

    @admin.display(description="more suggested tags")
    def more_suggestions(self, item: CatalogImage) -> str:
        """How many suggestions the list below leaves out (the less likely ones), linked to all of them."""
        shown = len(suggestions.above_the_fold(item)) if item.pk else 0
        count = item.suggested_tags.count() - shown if item.pk else 0
        if not count:
            return "None."
        url = reverse("admin:catalog_suggestedtag_changelist") + "?" + urlencode({IMAGE_LOOKUP: item.pk})
        return format_html(
            '<a href="{}">{} less likely word{}</a> (staff only: public search never uses them)',
            url,
            count,
            "s" if count != 1 else "",
        )

    @admin.display(description="year", ordering="year")
    def year_column(self, item: CatalogImage) -> str:
        return item.year_display

    @admin.display(description="size", ordering="width")
    def dimensions(self, item: CatalogImage) -> str:
        return f"{item.width}×{item.height}"

    def save_model(self, request: HttpRequest, obj: CatalogImage, form: CatalogImageForm, change: bool) -> None:
        """A new file goes through ingest like every other path: stored name from its format, the old one removed."""
        if form.loaded is None:
            super().save_model(request, obj, form, change)
            return
        filename = form.cleaned_data["image"].name
        if change:
            obj.image = CatalogImage.objects.only("image").get(pk=obj.pk).image.name  # the stored file, replaced
            ingest.replace_image(obj, form.loaded, filename)
        else:
            ingest.save_new(obj, form.loaded, filename)
            warn_about_copies(request, obj)  # saved either way; staff hear at once that the picture was here
        warn_about_structure(request, obj)

    def save_formset(self, request: HttpRequest, form, formset, change: bool) -> None:
        if formset.model is not SuggestedTag:
            return super().save_formset(request, form, formset, change)
        formset.save(commit=False)  # sets changed_objects, which the admin's history message reads too
        changed = [instance for instance, _ in formset.changed_objects]
        accepted = [f.instance for f in formset.forms if f.cleaned_data.get("accept") and f.instance in changed]
        for instance in changed:
            if instance not in accepted:
                instance.save(update_fields=["hidden"])  # its signal re-indexes the image
        if accepted:
            _, too_long = suggestions.accept(accepted)
            if too_long:
                self.message_user(request, f"{too_long} suggested tags did not fit in the tags field and stay "
                                           "suggested.", messages.WARNING)  # fmt: skip

    def change_view(self, request: HttpRequest, object_id: str, form_url: str = "", extra_context=None):
        if request.method == "GET":
            item = self.get_object(request, object_id)
            if item is not None and item.sha256:
                warn_about_copies(request, item)
                warn_about_structure(request, item)
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        view = self.admin_site.admin_view(lambda request: duplicates_view(request, self))
        return [path("duplicates/", view, name="catalog_catalogimage_duplicates"), *super().get_urls()]

    @admin.action(description="Publish selected images")
    def publish(self, request: HttpRequest, queryset: QuerySet[CatalogImage]) -> None:
        self._set_status(request, queryset, Status.PUBLISHED, "published")

    @admin.action(description="Unpublish selected images (back to draft)")
    def unpublish(self, request: HttpRequest, queryset: QuerySet[CatalogImage]) -> None:
        self._set_status(request, queryset, Status.DRAFT, "unpublished")

    def _set_status(self, request: HttpRequest, queryset: QuerySet[CatalogImage], status: str, verb: str) -> None:
        # Save one by one (not queryset.update) so that signals keep the search index in step.
        changed = 0
        for item in queryset.exclude(status=status):
            item.status = status
            item.save(update_fields=["status", "updated_at"])
            changed += 1
        self.message_user(
            request,
            ngettext("%d image %s.", "%d images %s.", changed) % (changed, verb),
            messages.SUCCESS,
        )
