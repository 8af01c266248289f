"""What Likeness licenses: catalog images, their creators, collections and licence terms."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from catalog.storage import originals
from catalog.years import MAX_YEAR, MIN_YEAR, format_year


class Creator(models.Model):
    """The artist or photographer of a work."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Collection(models.Model):
    """A collection the work belongs to, and who holds the rights to license it."""

    name = models.CharField(max_length=200, unique=True)
    rights_holder = models.CharField(max_length=200, blank=True, help_text="Who grants licences for this collection.")
    usage_options = models.TextField(
        blank=True,
        help_text="Uses a customer may ask to license its pictures for, one a line (e.g. Web, Print, Broadcast). "
        "Leave empty to offer no choice.",
    )
    size_options = models.TextField(
        blank=True,
        help_text="Sizes a customer may ask for, one a line (e.g. Up to 1,024 px, Full resolution). "
        "Leave empty to offer no choice.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def usage_list(self) -> list[str]:
        return _lines(self.usage_options)

    @property
    def size_list(self) -> list[str]:
        return _lines(self.size_options)


def _lines(text: str) -> list[str]:
    """The non-blank lines of a staff-typed list, stripped, each once, in order."""
    return list(dict.fromkeys(line.strip() for line in text.splitlines() if line.strip()))


class LicenseType(models.TextChoices):
    ROYALTY_FREE = "royalty-free", "Royalty-free"
    RIGHTS_MANAGED = "rights-managed", "Rights-managed"
    EDITORIAL = "editorial", "Editorial use only"


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"


class Orientation(models.TextChoices):
    LANDSCAPE = "landscape", "Landscape"
    PORTRAIT = "portrait", "Portrait"
    SQUARE = "square", "Square"

    @classmethod
    def of(cls, width: int, height: int) -> Orientation:
        """Square within 5%, so a 1000x1020 scan counts as square."""
        if abs(width - height) <= 0.05 * max(width, height, 1):
            return cls.SQUARE
        return cls.LANDSCAPE if width > height else cls.PORTRAIT


class CatalogImageQuerySet(models.QuerySet):
    def published(self) -> CatalogImageQuerySet:
        return self.filter(status=Status.PUBLISHED)


# The extension a stored original gets, by the format its content decoded as (never the client's name).
EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "BMP": "bmp", "TIFF": "tif", "WEBP": "webp", "HEIF": "heic",
              "PDF": "pdf"}  # fmt: skip


def upload_path(instance: CatalogImage, filename: str) -> str:
    """A random name with the extension of the decoded format: an upload named x.html is stored as .jpg.

    The client's file name plays no part, so a file can never be served as HTML, SVG or script
    whatever it was called; a file whose format was not recorded is stored as .bin.
    """
    extension = EXTENSIONS.get(instance.format, "bin")
    return f"catalog/{uuid.uuid4().hex[:2]}/{uuid.uuid4().hex}.{extension}"


def new_identifier() -> str:
    return uuid.uuid4().hex


class CatalogImage(models.Model):
    """One licensable image with its metadata and the technical facts read from its file."""

    identifier = models.CharField(
        max_length=255,
        unique=True,
        default=new_identifier,
        help_text="Stable identifier of the image (the 'filepath' of MatchEngine clients).",
    )
    title = models.CharField(max_length=300)
    creator = models.ForeignKey(Creator, null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    description = models.TextField(blank=True)
    tags = models.CharField(max_length=1000, blank=True, help_text="Comma-separated keywords.")
    year = models.SmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)],
        help_text="Year created; leave empty when unknown.",
    )
    year_approximate = models.BooleanField(default=False, help_text='Shown as "c. 1890".')
    collection = models.ForeignKey(Collection, null=True, blank=True, on_delete=models.SET_NULL, related_name="images")
    license_type = models.CharField(max_length=20, choices=LicenseType.choices, default=LicenseType.ROYALTY_FREE)
    price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code, e.g. EUR, USD.")
    usage_terms = models.TextField(blank=True)
    source_metadata = models.JSONField(
        default=dict, blank=True, help_text="Metadata as a partner or MatchEngine client sent it, kept verbatim."
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT, db_index=True)
    created_at = models.DateTimeField("date added", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    image = models.FileField(upload_to=upload_path, storage=originals, max_length=255)
    # Technical facts, always read from the file (see catalog.ingest), never typed by staff.
    width = models.PositiveIntegerField(editable=False, default=0)
    height = models.PositiveIntegerField(editable=False, default=0)
    format = models.CharField(max_length=10, editable=False, blank=True, db_index=True)
    orientation = models.CharField(max_length=10, choices=Orientation.choices, editable=False, blank=True)
    file_size = models.PositiveBigIntegerField("file size (bytes)", editable=False, default=0)
    sha256 = models.CharField("content hash (SHA-256)", max_length=64, editable=False, blank=True, db_index=True)
    color_mask = models.PositiveIntegerField(
        default=0, editable=False, help_text="Bit i set when named colour i covers a meaningful share of the image."
    )

    objects = CatalogImageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "catalog image"
        permissions = [
            ("use_matchengine_api", "Can use the MatchEngine-compatible /rest/ API"),
            ("download_original", "Can download original files"),
        ]
        indexes = [
            # Covers the facet and filter columns, so facet counts read the index, not the rows.
            models.Index(
                fields=["status", "format", "orientation", "license_type", "year", "width", "height", "color_mask"],
                name="catalog_facets",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("page:item", args=[self.pk])

    @property
    def year_display(self) -> str:
        return format_year(self.year, self.year_approximate)

    @property
    def tag_list(self) -> list[str]:
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1_000_000


class SuggestedTag(models.Model):
    """A word the look-alike model suggests for an image, kept apart from the curated tags.

    Keyword search finds it with less weight than curated text. Staff accept it (it moves into the
    curated tags) or hide it (it stays hidden when the image is indexed again).
    """

    image = models.ForeignKey(CatalogImage, on_delete=models.CASCADE, related_name="suggested_tags")
    term = models.CharField(max_length=64)
    confidence = models.FloatField(help_text="Share of the model's belief behind the word, 0-1.")
    hidden = models.BooleanField(default=False, help_text="Staff hid it: not shown, not searched.")

    class Meta:
        ordering = ["-confidence", "term"]
        constraints = [models.UniqueConstraint(fields=["image", "term"], name="suggested_once")]

    def __str__(self) -> str:
        return self.term


class SuggestedTermStats(models.Model):
    """How much of the model's belief a suggested word holds across the catalog: what calibrates it.

    `total` is the word's confidence summed over every item (kept in step by ingest, remade exactly by
    `update_index`); `prior` is the share of the classifier's classes the word names, its expected
    confidence before the catalog has said anything (catalog.suggestions.calibrated).
    """

    term = models.CharField(max_length=64, primary_key=True)
    total = models.FloatField(default=0.0)
    prior = models.FloatField(default=0.0)

    class Meta:
        verbose_name_plural = "suggested term stats"

    def __str__(self) -> str:
        return self.term
