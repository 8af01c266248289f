"""Duplicates as stored: the pairs found to be one picture, the pairs staff dismissed, how far each picture
has been checked, and a full pass's progress (catalog.duplicate_checks keeps them)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from catalog.models.items import CatalogImage


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
