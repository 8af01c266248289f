"""MulticolorEngine metadata over the catalog: a picture's metadata is its catalog fields (title, creator,
year, licence, tags, collection, format, width, height...) with the keys a partner set through /rest/ kept
beside them in CatalogImage.source_metadata. Partner keys are stored as TinEye's clients send them: a plain
value (searchable) or {"action": "search"|"return", "type": "...", "": value}.

Queries (`metadata` on color_search, search, count_metadata...) are JSON objects: {"key": value} (equal,
case-insensitive; a list value matches when any element does), {"key": [a, b]} (any of), {"key": {"min": x,
"max": y}} (a range), several keys together (all of them), and {"AND": [...]}, {"OR": [...]}, {"NOT": {...}}.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from catalog.models import CatalogImage
from catalog.years import MAX_YEAR, MIN_YEAR
from matching.errors import InvalidQuery
from webapp.rest.inputs import Params

# The catalog's own fields, as metadata keys, and their MulticolorEngine types.
CATALOG_TYPES = {
    "title": "string", "description": "string", "creator": "string", "year": "int", "licence": "string",
    "tags": "string", "collection": "string", "format": "string", "width": "uint", "height": "uint",
    "orientation": "string",
}  # fmt: skip
WRITABLE = ("title", "description", "tags", "year")  # catalog fields a partner may set through metadata
MAX_LISTED_VALUES = 100  # values listed per key by get_search_metadata, the most common first
MAX_QUERY_DEPTH = 8


def not_a_number(name: str):
    """json.loads' hook for NaN and Infinity, which no database's JSON holds."""

    def refuse(constant: str) -> Any:
        raise InvalidQuery(f"{name} must be JSON without {constant}.")

    return refuse


def parse_json(raw: str | None, name: str, kind: type = dict) -> Any:
    """A JSON parameter (object or list), or None when absent or empty."""
    if raw in (None, ""):
        return None
    try:
        value = json.loads(raw, parse_constant=not_a_number(name))
    except json.JSONDecodeError as exc:
        raise InvalidQuery(f"{name} must be JSON: {exc.msg} at position {exc.pos}.") from None
    except RecursionError:
        raise InvalidQuery(f"{name} is nested too deeply.") from None
    if not isinstance(value, kind):
        raise InvalidQuery(f"{name} must be a JSON {'object' if kind is dict else 'list'}.")
    if has_nul(value):  # PostgreSQL's JSON cannot hold NUL, and no metadata needs it
        raise InvalidQuery(f"{name} must not contain NUL characters.")
    return value


def has_nul(value: Any) -> bool:
    """Whether a JSON value holds a NUL character in any string or key."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(key) or has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(map(has_nul, value))
    return False


def leaf(value: Any) -> Any:
    """The value of a partner key, whether plain or in TinEye's {"action", "type", "": value} form."""
    return value.get("") if isinstance(value, dict) and "" in value else value


def action_of(value: Any) -> str:
    return str(value.get("action", "search")) if isinstance(value, dict) and "" in value else "search"


def type_of(value: Any) -> str:
    if isinstance(value, dict) and "" in value:
        return str(value.get("type") or type_of(value[""]))
    sample = value[0] if isinstance(value, list) and value else value
    if isinstance(sample, bool) or not isinstance(sample, int | float):
        return "string"
    return "float" if isinstance(sample, float) else ("uint" if sample >= 0 else "int")


def catalog_fields(item: CatalogImage) -> dict[str, Any]:
    """The item's catalog fields as metadata (those it has)."""
    fields = {
        "title": item.title, "description": item.description, "creator": item.creator.name if item.creator else None,
        "year": item.year, "licence": item.license_type, "tags": item.tag_list,
        "collection": item.collection.name if item.collection else None, "format": item.format,
        "width": item.width, "height": item.height, "orientation": item.orientation,
    }  # fmt: skip
    return {key: value for key, value in fields.items() if value not in (None, "", [])}


def partner_keys(item: CatalogImage) -> dict[str, Any]:
    stored = item.source_metadata
    return {key: value for key, value in stored.items() if key not in CATALOG_TYPES} if isinstance(stored, dict) else {}


def values_of(item: CatalogImage) -> dict[str, Any]:
    """Every key of the item's metadata with its plain value: partner keys, then the catalog's fields."""
    return {**{key: leaf(value) for key, value in partner_keys(item).items()}, **catalog_fields(item)}


def tree(item: CatalogImage) -> dict[str, dict]:
    """get_metadata's answer for one item: each key as {"action", "type", "": value}."""
    found = {key: {"action": action_of(value), "type": type_of(value), "": leaf(value)}
             for key, value in partner_keys(item).items()}  # fmt: skip
    for key, value in catalog_fields(item).items():
        found[key] = {"action": "search", "type": CATALOG_TYPES[key], "": value}
    return found


def split(metadata: dict) -> tuple[dict[str, Any], dict[str, Any]]:
    """(catalog fields to write, partner keys to keep) of metadata a partner sent; refuses read-only fields."""
    fields, kept = {}, {}
    for key, value in metadata.items():
        if key in WRITABLE:
            fields[key] = writable(key, leaf(value))
        elif key in CATALOG_TYPES:
            raise InvalidQuery(f"{key} is set by the catalog, not by metadata; writable fields: {', '.join(WRITABLE)}.")
        else:
            kept[key] = value
    return fields, kept


def writable(key: str, value: Any) -> Any:
    if key == "year":
        try:
            year = int(value)
        except (TypeError, ValueError, OverflowError):
            raise InvalidQuery(f"year must be a whole number; got {str(value)[:32]!r}.") from None
        if not MIN_YEAR <= year <= MAX_YEAR:
            raise InvalidQuery(f"year must be from {MIN_YEAR} to {MAX_YEAR}; got {year}.")
        return year
    if key == "tags":
        return ", ".join(map(str, value))[:1000] if isinstance(value, list) else str(value)[:1000]
    return str(value)[:300] if key == "title" else str(value)


def apply(item: CatalogImage, metadata: dict, replace: bool = True) -> None:
    """Give the item this metadata: writable catalog fields set, partner keys kept (replacing the old ones)."""
    fields, kept = split(metadata)
    for key, value in fields.items():
        setattr(item, key, value)
    item.source_metadata = kept if replace else {**partner_keys(item), **kept}


# --- queries -------------------------------------------------------------------------------------


def matches(values: dict[str, Any], query: Any, depth: int = 0) -> bool:
    """Whether an item's metadata values (values_of) satisfy a metadata query."""
    if depth > MAX_QUERY_DEPTH:
        raise InvalidQuery(f"metadata queries nest at most {MAX_QUERY_DEPTH} deep.")
    if not isinstance(query, dict):
        raise InvalidQuery("Each metadata query must be a JSON object.")
    for key, wanted in query.items():
        if key in ("AND", "OR"):
            if not isinstance(wanted, list):
                raise InvalidQuery(f"{key} takes a list of metadata queries.")
            found = (matches(values, part, depth + 1) for part in wanted)
            if not (all(found) if key == "AND" else any(found)):
                return False
        elif key == "NOT":
            if matches(values, wanted, depth + 1):
                return False
        elif not holds(values.get(key), wanted):
            return False
    return True


def holds(value: Any, wanted: Any) -> bool:
    """Whether a value (scalar or list) meets a condition (scalar, list of scalars, or {"min", "max"})."""
    if value is None:
        return False
    if isinstance(value, list):
        return any(holds(element, wanted) for element in value)
    if isinstance(wanted, list):
        return any(holds(value, option) for option in wanted)
    if isinstance(wanted, dict):
        if not set(wanted) <= {"min", "max"} or not wanted:
            raise InvalidQuery('A range in a metadata query is {"min": x, "max": y}.')
        number = as_number(value)
        low, high = as_number(wanted.get("min", "-inf")), as_number(wanted.get("max", "inf"))
        if low is None or high is None:
            raise InvalidQuery("The bounds of a metadata range must be numbers.")
        return number is not None and low <= number <= high
    mine, theirs = as_number(value), as_number(wanted)
    if mine is not None and theirs is not None:
        return mine == theirs
    return str(value).casefold() == str(wanted).casefold()


def as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def items() -> Iterable[CatalogImage]:
    """Every item of the /rest/ collection (drafts too: that is where /rest/add puts pictures)."""
    return CatalogImage.objects.select_related("creator", "collection").order_by("pk").iterator(chunk_size=2000)


def matching_ids(query: dict | None) -> list[int] | None:
    """Ids of the items meeting the query, in catalog order; None when there is no query."""
    if query is None:
        return None
    return [item.pk for item in items() if matches(values_of(item), query)]


def returned(item: CatalogImage, keys: list[str]) -> dict[str, Any]:
    values = values_of(item)
    return {key: values[key] for key in keys if key in values}


# --- what the collection holds -----------------------------------------------------------------


def summary(action: str) -> dict[str, dict]:
    """get_search_metadata ("search": keys with their most common values) or get_return_metadata ("return")."""
    kinds: dict[str, str] = {}
    counts: Counter[str] = Counter()
    seen: dict[str, Counter[str]] = {}
    for item in items():
        found = {key: ("search", CATALOG_TYPES[key], value) for key, value in catalog_fields(item).items()}
        for key, value in partner_keys(item).items():
            found[key] = (action_of(value), type_of(value), leaf(value))
        for key, (act, kind, value) in found.items():
            if act != action and not (action == "return" and key in CATALOG_TYPES):
                continue
            kinds[key], counts[key] = kind, counts[key] + 1
            for element in value if isinstance(value, list) else [value]:
                seen.setdefault(key, Counter())[str(element)] += 1
    if action == "return":
        return {key: {"count": str(counts[key]), "": None, "type": kinds[key]} for key in sorted(kinds)}
    return {key: {"count": str(counts[key]), "type": kinds[key],
                  "": {value: str(n) for value, n in seen[key].most_common(MAX_LISTED_VALUES)}}
            for key in sorted(kinds)}  # fmt: skip


# --- a search's metadata parameters -------------------------------------------------------------


class ResultMetadata:
    """A search's metadata parameters: which items it may return, what it returns of them, in which order."""

    def __init__(self, params: Params) -> None:
        self.query = parse_json(params.get("metadata"), "metadata")
        self.keys = [str(key) for key in parse_json(params.get("return_metadata"), "return_metadata", list)
                     or []]  # fmt: skip
        self.sort = sort_keys(params.get("sort_metadata"), self.keys)
        self.allowed = matching_ids(self.query)

    def rows(self, rows: list[dict], ids: list[int]) -> list[dict]:
        """Rows (one per id, with "filepath") with the asked metadata added, sorted by it when asked."""
        if not (self.keys or self.sort):
            return rows
        items = CatalogImage.objects.select_related("creator", "collection").in_bulk(ids)
        values = [values_of(items[pk]) if pk in items else {} for pk in ids]
        if self.keys:
            rows = [{**row, "metadata": {key: found[key] for key in self.keys if key in found}}
                    for row, found in zip(rows, values, strict=True)]  # fmt: skip
        if self.sort:
            order = sorted(range(len(rows)), key=lambda n: tuple(sort_value(values[n].get(k)) for k in self.sort))
            rows = [rows[n] for n in order]
        return rows


def sort_keys(raw: str | None, returned: list[str]) -> list[str]:
    """sort_metadata: true (sort by the returned keys, in their order), false, or a JSON list of keys."""
    if raw in (None, "") or raw.lower() in ("false", "0", "no", "off"):
        return []
    if raw.lower() in ("true", "1", "yes", "on"):
        if not returned:
            raise InvalidQuery("sort_metadata sorts by the return_metadata keys: give return_metadata too.")
        return returned
    return [str(key) for key in parse_json(raw, "sort_metadata", list)]


def sort_value(value: Any) -> tuple:
    """Missing values last, numbers before strings, each in ascending order."""
    value = value[0] if isinstance(value, list) and value else value
    number = as_number(value)
    if value is None or value == []:
        return (2, 0.0, "")
    return (0, number, "") if number is not None else (1, 0.0, str(value).casefold())
