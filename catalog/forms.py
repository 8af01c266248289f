"""Forms that validate catalog input: an image that does not decode is a form error."""

from __future__ import annotations

from django import forms

from catalog.models import CatalogImage
from matching.errors import ImageError
from matching.safety import imaging
from matching.safety.imaging import LoadedImage


class CatalogImageForm(forms.ModelForm):
    """Admin form: decodes a newly uploaded file once, so a bad file never reaches storage."""

    loaded: LoadedImage | None = None

    class Meta:
        model = CatalogImage
        fields = [
            "image", "title", "creator", "year", "year_approximate", "status", "description", "tags",
            "collection", "identifier", "license_type", "price", "currency", "usage_terms",
        ]  # fmt: skip
        # A plain file input: the stored original has no URL to show as "Currently".
        widgets = {"image": forms.FileInput}

    def clean_image(self):
        upload = self.cleaned_data.get("image")
        if upload is not None and hasattr(upload, "content_type"):  # a new upload, not the stored file
            try:
                self.loaded = imaging.load_image(upload)
            except ImageError as exc:
                raise forms.ValidationError(str(exc), code="invalid_image") from exc
        return upload
