"""What search stores beside the catalog: the full-text document of each item (PostgreSQL)."""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models


class TextDocument(models.Model):
    """The weighted full-text vector of an item, for the database backend on PostgreSQL.

    On SQLite the backend uses the FTS5 table `search_fts` instead (both made by migration 0003).
    """

    image = models.OneToOneField(
        "catalog.CatalogImage", primary_key=True, on_delete=models.CASCADE, related_name="text_document"
    )
    vector = SearchVectorField(null=True)  # curated text: title A, creator B, tags C, description D
    suggested = SearchVectorField(null=True)  # suggested tags (catalog.SuggestedTag), ranked below curated text

    def __str__(self) -> str:
        return f"text of image {self.image_id}"
