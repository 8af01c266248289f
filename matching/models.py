"""What matching stores: fingerprints, colour classes, the index change log, what a remote holds.

Catalog items are referred to by a string model reference ("catalog.CatalogImage") or a plain id:
matching imports nothing from the apps above it. The tables keep the names they had when these
models lived in `search` (migration matching 0001 took them over without touching a row).
"""

from __future__ import annotations

from django.db import models

CATALOG_IMAGE = "catalog.CatalogImage"


class ImageFingerprint(models.Model):
    """An image's fingerprint, kept so that every index can be rebuilt without reading files."""

    image = models.OneToOneField(CATALOG_IMAGE, primary_key=True, on_delete=models.CASCADE, related_name="fingerprint")
    sha256 = models.CharField(
        max_length=64, db_index=True, help_text="Content hash of the file the fingerprint was made from."
    )
    version = models.PositiveSmallIntegerField(default=1, help_text="Fingerprint algorithm version.")
    hashes = models.BinaryField(help_text="256-bit window hashes, big-endian uint64 words.")
    keys = models.BinaryField(help_text="64-bit window keys, big-endian.")
    valid_windows = models.PositiveSmallIntegerField(help_text="Bit w set when window w had structure to hash.")
    features = models.BinaryField(help_text="Packed ORB keypoints and descriptors.")
    thumbnail = models.BinaryField(default=b"", help_text="64x64 grey thumbnail (uint8) that verification compares.")
    palette = models.JSONField(default=list)
    color_shares = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_imagefingerprint"

    def __str__(self) -> str:
        return f"fingerprint of image {self.image_id}"


class ImageColor(models.Model):
    """A named colour class covering a meaningful share of an image: what the colour filter uses."""

    image = models.ForeignKey(CATALOG_IMAGE, on_delete=models.CASCADE, related_name="colors")
    name = models.CharField(max_length=10)
    share = models.FloatField()

    class Meta:
        db_table = "search_imagecolor"
        constraints = [models.UniqueConstraint(fields=["image", "name"], name="one_share_per_color")]
        indexes = [models.Index(fields=["name", "image"], name="search_imag_name_e258b0_idx")]

    def __str__(self) -> str:
        return f"{self.name} {self.share:.0%}"


class ImageEmbedding(models.Model):
    """What a picture looks like, for look-alike search: its embedding (float16) and most likely classes."""

    image = models.OneToOneField(CATALOG_IMAGE, primary_key=True, on_delete=models.CASCADE, related_name="embedding")
    version = models.PositiveSmallIntegerField(default=1, help_text="Embedding model version.")
    vector = models.BinaryField(help_text="Unit-length embedding, little-endian float16.")
    classes = models.JSONField(default=list, help_text="Most likely ImageNet classes: [[class, probability], ...].")

    def __str__(self) -> str:
        return f"embedding of image {self.image_id}"


class IndexEvent(models.Model):
    """A change to the catalog's images, so every process can bring its in-memory index up to date.

    Written in the same transaction as the change it records (see search.signals), so a process that
    dies after the commit cannot leave the others unaware; "reload" asks every process to reload.
    """

    ADD, REMOVE, RELOAD = "add", "remove", "reload"

    id = models.BigAutoField(primary_key=True)
    image_id = models.BigIntegerField()
    operation = models.CharField(max_length=6, choices=[(ADD, "add"), (REMOVE, "remove"), (RELOAD, "reload")])
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        db_table = "search_indexevent"

    def __str__(self) -> str:
        return f"{self.operation} {self.image_id}"


class RemoteImage(models.Model):
    """What the remote match provider holds for a catalog item: the filepath it was added under.

    A plain id, not a foreign key: the row must outlive the item, because removing the image from
    the remote needs its filepath after the catalog row is gone.
    """

    image_id = models.BigIntegerField(primary_key=True)
    filepath = models.CharField(max_length=255, unique=True)
    sha256 = models.CharField(max_length=64, help_text="Content hash of the file that was sent.")
    added_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "search_remoteimage"

    def __str__(self) -> str:
        return f"{self.filepath} (item {self.image_id})"


class ImageColorSignature(models.Model):
    """An image's colour signature (matching.algorithms.color_signature): what colour search ranks by."""

    image = models.OneToOneField(
        CATALOG_IMAGE, primary_key=True, on_delete=models.CASCADE, related_name="color_signature"
    )
    version = models.PositiveSmallIntegerField(default=1, help_text="Colour signature version.")
    signature = models.BinaryField(help_text="(bin, share) pairs: little-endian uint16 each, share in 1/65535.")

    def __str__(self) -> str:
        return f"colour signature of image {self.image_id}"
