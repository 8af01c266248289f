"""What the partner API shows of catalog items, search results and licence requests, and what it accepts."""

from __future__ import annotations

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from catalog import originals
from catalog.models import CatalogImage, Collection, Creator, LicenceRequest, LicenseType, Status
from catalog.years import parse_year


class LicenseSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=LicenseType.choices, source="license_type")
    price = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    currency = serializers.CharField()
    terms = serializers.CharField(source="usage_terms")


class ColorSerializer(serializers.Serializer):
    hex = serializers.CharField()
    name = serializers.CharField()
    share = serializers.FloatField()


class ItemSerializer(serializers.ModelSerializer):
    """A catalog item as partners see it."""

    creator = serializers.CharField(source="creator.name", default=None, read_only=True, allow_null=True)
    collection = serializers.CharField(source="collection.name", default=None, read_only=True, allow_null=True)
    year = serializers.IntegerField(read_only=True, allow_null=True)
    year_display = serializers.CharField(read_only=True)
    tags = serializers.ListField(child=serializers.CharField(), source="tag_list", read_only=True)
    license = serializers.SerializerMethodField()
    colors = serializers.SerializerMethodField()
    preview_url = serializers.SerializerMethodField(help_text="The watermarked preview (JPEG, long side 1,024 px).")
    thumbnail_url = serializers.SerializerMethodField()
    original_url = serializers.SerializerMethodField(
        help_text="A signed link to the original file that expires within minutes; only for staff and accounts "
        "with the download_original permission (null otherwise)."
    )
    detail_url = serializers.SerializerMethodField()

    class Meta:
        model = CatalogImage
        fields = [
            "id", "identifier", "title", "creator", "year", "year_display", "description", "tags", "license",
            "collection", "status", "width", "height", "format", "colors", "preview_url", "thumbnail_url",
            "original_url", "detail_url", "created_at",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(LicenseSerializer)
    def get_license(self, item: CatalogImage) -> dict:
        return LicenseSerializer(item).data

    @extend_schema_field(ColorSerializer(many=True))
    def get_colors(self, item: CatalogImage) -> list[dict]:
        fingerprint = getattr(item, "fingerprint", None)
        palette = fingerprint.palette if fingerprint is not None else []
        return [{"hex": hex_, "share": share, "name": name} for hex_, share, name in palette]

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request else path

    def get_preview_url(self, item: CatalogImage) -> str:
        return self._absolute(reverse("page:thumbnail", args=[item.pk, "preview"]))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_original_url(self, item: CatalogImage) -> str | None:
        request = self.context.get("request")
        if request is None or not originals.may_download(request.user):
            return None
        return self._absolute(originals.signed_url(item))

    def get_thumbnail_url(self, item: CatalogImage) -> str:
        return self._absolute(reverse("page:thumbnail", args=[item.pk, "medium"]))

    def get_detail_url(self, item: CatalogImage) -> str:
        return self._absolute(reverse("api:item-detail", args=[item.pk]))


class ItemWriteSerializer(serializers.Serializer):
    """Catalog sync: metadata, and an image as a multipart file or a URL (required when creating)."""

    image = serializers.FileField(required=False, help_text="The image file (multipart).")
    image_url = serializers.URLField(required=False, help_text="Or an http(s) URL to fetch the image from.")
    identifier = serializers.CharField(max_length=255, required=False)
    title = serializers.CharField(max_length=300)
    creator = serializers.CharField(max_length=200, required=False, allow_blank=True)
    year = serializers.CharField(required=False, allow_blank=True, help_text='e.g. 1890, "c. 1890", "1890s".')
    description = serializers.CharField(required=False, allow_blank=True)
    tags = serializers.CharField(required=False, allow_blank=True, help_text="Comma-separated.")
    collection = serializers.CharField(max_length=200, required=False, allow_blank=True)
    license_type = serializers.ChoiceField(choices=LicenseType.choices, required=False)
    price = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=0, required=False, allow_null=True)
    currency = serializers.RegexField(r"^[A-Z]{3}$", required=False)
    usage_terms = serializers.CharField(required=False, allow_blank=True)
    status = serializers.ChoiceField(choices=Status.choices, required=False)

    def validate_year(self, value: str):
        try:
            return parse_year(value)
        except ValueError as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate_identifier(self, value: str) -> str:
        existing = CatalogImage.objects.filter(identifier=value)
        if self.instance is not None:
            existing = existing.exclude(pk=self.instance.pk)
        if existing.exists():
            raise serializers.ValidationError("An item with this identifier exists already.")
        return value

    def validate(self, data: dict) -> dict:
        if data.get("image") and data.get("image_url"):
            raise serializers.ValidationError({"image": "Give image or image_url, not both."})
        if self.instance is None and not (data.get("image") or data.get("image_url")):
            raise serializers.ValidationError({"image": "An image (file) or image_url is required."})
        return data

    def metadata(self) -> dict:
        """Model field values from the validated data (creator and collection by name)."""
        data = dict(self.validated_data)
        data.pop("image", None)
        data.pop("image_url", None)
        if "year" in data:
            data["year"], data["year_approximate"] = data["year"]
        if "creator" in data:
            name = data.pop("creator").strip()
            data["creator"] = Creator.objects.get_or_create(name=name)[0] if name else None
        if "collection" in data:
            name = data.pop("collection").strip()
            data["collection"] = Collection.objects.get_or_create(name=name)[0] if name else None
        return data


class BoxSerializer(serializers.Serializer):
    """A region as fractions (0-1) of the picture's width and height, measured from its top left corner."""

    left = serializers.FloatField()
    top = serializers.FloatField()
    right = serializers.FloatField()
    bottom = serializers.FloatField()


class MatchSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["copy", "similar"], help_text="copy: the same picture; similar: looks like it"
    )
    method = serializers.CharField()
    query_overlap_percent = serializers.FloatField()
    target_overlap_percent = serializers.FloatField()
    orientation = serializers.IntegerField()
    mirrored = serializers.BooleanField()
    query_box = BoxSerializer(help_text="The part of the query that shows the catalog picture.")
    target_box = BoxSerializer(help_text="The part of the catalog picture the query shows (a detail: less than whole).")


class SearchHitSerializer(ItemSerializer):
    score = serializers.FloatField()
    similarity = serializers.FloatField(allow_null=True)
    color_score = serializers.FloatField(allow_null=True, help_text="0-100: how much of the picture is near colors.")
    match = MatchSerializer(allow_null=True)

    class Meta(ItemSerializer.Meta):
        fields = [*ItemSerializer.Meta.fields, "score", "similarity", "color_score", "match"]
        read_only_fields = fields


class FacetValueSerializer(serializers.Serializer):
    value = serializers.CharField()
    count = serializers.IntegerField()
    # DRF's metaclass takes declared fields off the class: only the stubs see this clash with Field.label.
    label = serializers.CharField()  # type: ignore[assignment]


class FacetsSerializer(serializers.Serializer):
    color = FacetValueSerializer(many=True)
    format = FacetValueSerializer(many=True)
    orientation = FacetValueSerializer(many=True)
    size = FacetValueSerializer(many=True)
    century = FacetValueSerializer(many=True)
    license = FacetValueSerializer(many=True)


class SearchResponseSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.URLField(allow_null=True)
    previous = serializers.URLField(allow_null=True)
    unknown_year_excluded = serializers.IntegerField()
    results = SearchHitSerializer(many=True)
    facets = FacetsSerializer()


class LicenceRequestSerializer(serializers.ModelSerializer):
    """A licence request as the partner who sent it sees it; what staff decide is read-only."""

    item = serializers.IntegerField(
        source="item_id",
        min_value=1,
        max_value=10**18 - 1,
        allow_null=True,  # in answers: the item has since been deleted; asking for null is a 400
        help_text="The id of a published catalog item (null once the item has been deleted).",
    )
    item_title = serializers.CharField(source="item.title", default=None, read_only=True, allow_null=True)
    usage = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="One of the usages the item's collection offers."
    )
    size = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="One of the sizes the item's collection offers."
    )
    intended_use = serializers.CharField(max_length=5000)
    requested_by = serializers.CharField(source="requested_by.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = LicenceRequest
        fields = [
            "id", "item", "item_title", "licence_type", "usage", "size", "customer_name", "customer_email",
            "organisation", "intended_use", "status", "quoted_price", "currency", "downloads_used",
            "downloads_allowed", "download_expires_at", "requested_by", "created_at", "updated_at", "acted_at",
        ]  # fmt: skip
        read_only_fields = [
            "licence_type", "status", "quoted_price", "currency", "downloads_used", "downloads_allowed",
            "download_expires_at", "created_at", "updated_at", "acted_at",
        ]  # fmt: skip
