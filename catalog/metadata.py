"""Catalog metadata as flat rows: what `export_catalog` writes and `import_catalog --metadata` reads.

One set of columns both ways, so an export can be imported again unchanged.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from catalog.models import CatalogImage, Collection, Creator, LicenseType, Status
from catalog.years import format_year, parse_year

COLUMNS = ["file", "title", "creator", "year", "description", "tags", "license", "price", "currency", "collection",
           "rights_holder", "usage_terms", "status"]  # fmt: skip
LICENSES = {
    **{value: value for value in LicenseType.values},
    **{label.lower(): value for value, label in LicenseType.choices},
}


def export_row(item: CatalogImage) -> dict[str, str]:
    """An item's metadata as text; `file` is its identifier (the path it was imported under)."""
    return {
        "file": item.identifier,
        "title": item.title,
        "creator": item.creator.name if item.creator else "",
        "year": "" if item.year is None else format_year(item.year, item.year_approximate),
        "description": item.description,
        "tags": item.tags,
        "license": item.license_type,
        "price": "" if item.price is None else str(item.price),
        "currency": item.currency,
        "collection": item.collection.name if item.collection else "",
        "rights_holder": item.collection.rights_holder if item.collection else "",
        "usage_terms": item.usage_terms,
        "status": item.status,
    }


def text(row: dict, name: str) -> str:
    value = row.get(name)
    return "" if value is None else str(value).strip()


def item_fields(row: dict, *, default_title: str) -> dict:
    """Model fields from one metadata row; raises ValidationError naming the bad column."""
    fields: dict = {"title": text(row, "title") or default_title}
    errors: dict[str, str] = {}
    try:
        fields["year"], fields["year_approximate"] = parse_year(text(row, "year") or None)
    except ValueError as exc:
        errors["year"] = str(exc)
    license_text = text(row, "license") or text(row, "license_type")
    if license_text:
        if license_text.lower() not in LICENSES:
            errors["license"] = f'"{license_text}" is not a licence; use one of {", ".join(LicenseType.values)}.'
        else:
            fields["license_type"] = LICENSES[license_text.lower()]
    if price := text(row, "price"):
        try:
            fields["price"] = Decimal(price)
        except InvalidOperation:
            errors["price"] = f'"{price}" is not a price; write e.g. 250 or 250.00.'
    status = text(row, "status").lower()
    if status and status not in Status.values:
        errors["status"] = f'"{status}" is not a status; use draft or published.'
    if errors:
        raise ValidationError(errors)
    if status:
        fields["status"] = status
    for name in ("description", "tags", "usage_terms", "currency"):
        if value := text(row, name):
            fields[name] = value.upper() if name == "currency" else value
    if creator := text(row, "creator"):
        fields["creator"], _ = Creator.objects.get_or_create(name=creator)
    if collection := text(row, "collection"):
        fields["collection"], _ = Collection.objects.get_or_create(
            name=collection, defaults={"rights_holder": text(row, "rights_holder")}
        )
    return fields
