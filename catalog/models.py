"""What Likeness licenses: catalog images, their creators, collections and licence terms."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
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


class DismissedDuplicate(models.Model):
    """Two images the Duplicates page stops pairing: marked "not duplicates", or resolved by keeping one."""

    first = models.ForeignKey(CatalogImage, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(CatalogImage, on_delete=models.CASCADE, related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    resolved = models.BooleanField(default=False, help_text="Staff kept one of the two (they are duplicates).")
    dismissed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="dismissed_once"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="dismissed_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} and {self.second_id} are not duplicates"


class DuplicatePair(models.Model):
    """Two catalog images found to be one picture (each pair once, `first` the lower id), and how.

    Kept by catalog.duplicate_checks as pictures are indexed, replaced and removed (a removed picture's
    pairs go with it), and recomputed by `find_duplicates --rebuild`; groups are their connected parts.
    """

    first = models.ForeignKey(CatalogImage, on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(CatalogImage, on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text="0-100, as the match provider scores a copy (100: identical).")
    method = models.CharField(max_length=20, help_text="How it was decided: hash, features or identical file.")
    found_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="duplicate_pair_once"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="duplicate_pair_in_order"),
        ]

    def __str__(self) -> str:
        return f"{self.first_id} and {self.second_id} are one picture ({self.score:g})"


class DuplicateCheck(models.Model):
    """How far a catalog image (this file of it) has been checked against the catalog for duplicates."""

    image = models.OneToOneField(CatalogImage, on_delete=models.CASCADE, primary_key=True, related_name="+")
    sha256 = models.CharField(max_length=64, help_text="The file checked: a replaced file is checked again.")
    near_at = models.DateTimeField(null=True, blank=True, help_text="Near-exact copies (window hashes) stored.")
    full_at = models.DateTimeField(null=True, blank=True, help_text="Edited copies (local features) too.")

    def __str__(self) -> str:
        return f"duplicates of {self.image_id} checked"


class DuplicatePass(models.Model):
    """A recomputation of every pair (`find_duplicates --rebuild`): a picture is done once checked after it
    started, so an interrupted pass resumes with the others."""

    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"duplicates pass of {self.started_at:%Y-%m-%d %H:%M}"


class JobState(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Cancelled"


class BackgroundJob(models.Model):
    """What every staff job run by the worker keeps (catalog.jobs): its state, progress, and a heartbeat.

    The running worker beats while it works; a running job whose beat stopped (its worker was killed)
    is found by catalog.jobs.recover_stale and queued again, to resume from its progress.
    """

    State = JobState
    ACTIVE = (JobState.QUEUED, JobState.RUNNING)
    objects = models.Manager()  # declared here, so code handling any kind of job can query it

    state = models.CharField(max_length=10, choices=JobState.choices, default=JobState.QUEUED, db_index=True)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    summary = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True, help_text="When a worker first took it.")
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="The running worker's last sign of life.")
    worker = models.CharField(max_length=100, blank=True, help_text="host:pid of the worker running it.")
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker took it (resumes included).")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def active(self) -> bool:
        return self.state in self.ACTIVE


class ImportJob(BackgroundJob):
    """A bulk import (a zip and an optional metadata file) from the admin or the partner API."""

    archive = models.FileField(upload_to="imports/", help_text="A zip of images (folders inside are fine).")
    metadata = models.FileField(
        upload_to="imports/", blank=True, help_text="Optional CSV or JSON mapping file names to title, creator, year…"
    )
    publish = models.BooleanField(default=False, help_text="Publish the imported images at once.")
    report = models.JSONField(default=list, blank=True, help_text="One row per file: file, outcome, item, reason.")

    def __str__(self) -> str:
        return f"import {self.pk} ({self.get_state_display().lower()})"

    def delete_files(self) -> None:
        """Take the uploaded zip and metadata file out of storage (a job that could not be queued keeps nothing)."""
        for upload in (self.archive, self.metadata):
            if upload:
                upload.delete(save=False)


class StaffJob(BackgroundJob):
    """Other long staff work started from the admin: rebuilding the search indexes, or the duplicates pass.

    `task` names the task that runs it (a dotted path, so a job of a higher layer can live here);
    `cursor` is where it stopped, for a resumed run.
    """

    class Kind(models.TextChoices):
        UPDATE_INDEX = "update_index", "Rebuild the search indexes"
        DUPLICATES = "duplicates", "Rebuild the duplicates"

    kind = models.CharField(max_length=20, choices=Kind.choices)
    task = models.CharField(max_length=200)
    cursor = models.JSONField(default=dict, blank=True)

    class Meta(BackgroundJob.Meta):
        # One of a kind under way at once: two quick clicks start one rebuild, not two.
        constraints = [models.UniqueConstraint(fields=["kind"], condition=models.Q(state__in=BackgroundJob.ACTIVE),
                                               name="one_active_staff_job_per_kind")]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.get_kind_display().lower()} {self.pk} ({self.get_state_display().lower()})"


class LicenceStatus(models.TextChoices):
    NEW = "new", "New"
    QUOTED = "quoted", "Quoted"
    GRANTED = "granted", "Granted"
    DECLINED = "declined", "Declined"


class LicenceRequest(models.Model):
    """A customer's request to license one picture, what staff did about it, and the downloads it allows.

    No payment is taken here: `status` says where the request stands, and catalog.licensing documents
    the hook a payment step would use. The licence type, usage and size are copied at request time, so
    a later change to the item or its collection does not change what was asked for.
    """

    item = models.ForeignKey(
        CatalogImage, null=True, blank=True, on_delete=models.SET_NULL, related_name="licence_requests"
    )
    licence_type = models.CharField(max_length=20, choices=LicenseType.choices)
    usage = models.CharField(max_length=200, blank=True)
    size = models.CharField(max_length=200, blank=True)
    customer_name = models.CharField(max_length=200)
    customer_email = models.EmailField()
    organisation = models.CharField(max_length=200, blank=True)
    intended_use = models.TextField()
    status = models.CharField(max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.NEW, db_index=True)
    created_at = models.DateTimeField("requested at", auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    quoted_price = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217 code of the quoted price.")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="licence_requests",
        help_text="The partner account that sent it through the API (empty for the public form).",
    )
    downloads_used = models.PositiveIntegerField(default=0)
    downloads_allowed = models.PositiveIntegerField(default=0)
    download_expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "licence request"

    def __str__(self) -> str:
        return f"{self.customer_name}: {self.item or 'a removed item'}"
