"""Reading request parameters and query images, with errors a client can act on."""

from __future__ import annotations

import logging

from django.http import QueryDict

from catalog import ingest
from catalog.models import CatalogImage
from matching.errors import ImageUnreachable, InvalidQuery, LikenessError, NotFound
from matching.safety import imaging
from matching.safety.budget import ImageBudget
from matching.safety.imaging import LoadedImage

logger = logging.getLogger(__name__)

MAX_INTEGER = 2**31 - 1  # no count, offset or limit is larger; bigger numbers would overflow the database
TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off"}


class DownloadFailed(LikenessError):
    """A URL that could not be fetched: MatchEngine answers it with status "fail" in a 200, not an HTTP error,
    and TinEye's clients (which raise on any HTTP error) read the error list."""

    status_code = 200

    def __init__(self, url: str) -> None:
        super().__init__(f"{url}: Failed to download file.")


def load_url(budget: ImageBudget | None, url: str) -> LoadedImage:
    """The picture at `url`; DownloadFailed when it cannot be had (the reason goes to the log)."""
    try:
        return budget.load(url) if budget is not None else imaging.load_image(url)
    except ImageUnreachable as exc:  # refused by policy or cut off by a limit: bad input, a 4xx with the reason
        logger.info("rest: %s could not be fetched: %s", url[:200], exc)
        raise DownloadFailed(url) from exc


def number(text: str) -> bool:
    """Whether `text` is a plain decimal number (str.isdigit also takes "²", which int() refuses)."""
    return text.isascii() and text.isdecimal()


class Params:
    """Form fields, then query-string fields, of one request."""

    def __init__(self, data: QueryDict | dict, query: QueryDict, files) -> None:
        self.data, self.query, self.files = data, query, files

    def get(self, name: str) -> str | None:
        for source in (self.data, self.query):
            if name in source:
                value = source.get(name)
                value = value if isinstance(value, str) else str(value)
                if "\x00" in value:
                    raise InvalidQuery(f"{name} contains a NUL character.")
                return value
        return None

    def has(self, name: str) -> bool:
        return name in self.files or self.get(name) not in (None, "")

    def integer(self, name: str, default: int, low: int = 0, high: int = MAX_INTEGER) -> int:
        raw = self.get(name)
        if raw in (None, ""):
            return default
        try:
            value = int(raw)
        except ValueError:
            raise InvalidQuery(f"{name} must be a whole number; got {raw!r}.") from None
        if not low <= value <= high:
            raise InvalidQuery(f"{name} must be from {low} to {high}; got {raw[:32]}.")
        return value

    def number(self, name: str, default: float, low: float = 0, high: float = 100) -> float:
        raw = self.get(name)
        if raw in (None, ""):
            return default
        try:
            value = float(raw)
        except ValueError:
            raise InvalidQuery(f"{name} must be a number; got {raw!r}.") from None
        if not low <= value <= high:
            raise InvalidQuery(f"{name} must be from {low:g} to {high:g}; got {raw}.")
        return value

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.get(name)
        if raw in (None, ""):
            return default
        if raw.lower() in TRUE:
            return True
        if raw.lower() in FALSE:
            return False
        raise InvalidQuery(f"{name} must be true or false; got {raw!r}.")

    def listed(self, prefix: str) -> list[str]:
        """The values of prefix[0], prefix[1]... in order. TinEye's client sends some weights as
        weights[i]=<the whole list> (repeated keys): then the i-th of the repeated values is weights[i]."""
        values = []
        for number, key in self.indexed(prefix).items():
            repeated = [source.getlist(key) for source in (self.data, self.query) if isinstance(source, QueryDict)]
            given = next((found for found in repeated if len(found) > 1), None)
            values.append(given[min(number, len(given) - 1)] if given else self.get(key) or "")
        return values

    def indexed(self, prefix: str) -> dict[int, str]:
        """Fields named like images[0], filepaths[1]: {0: value, 1: value}."""
        found: dict[int, str] = {}
        for source in (self.data, self.query, self.files):
            for key in source:
                if key.startswith(f"{prefix}[") and key.endswith("]") and number(key[len(prefix) + 1 : -1]):
                    found.setdefault(int(key[len(prefix) + 1 : -1]), key)
        return dict(sorted(found.items()))


def query_source(params: Params, suffix: str = "") -> str:
    """Which of image{suffix}, url{suffix} or filepath{suffix} the request gives (exactly one)."""
    names = (f"image{suffix}", f"url{suffix}", f"filepath{suffix}")
    given = [name for name in names if params.has(name)]
    if len(given) != 1:
        raise InvalidQuery(f"Give exactly one of {names[0]} (a file), {names[1]} or {names[2]}.")
    return given[0]


def query_image(params: Params, field: str, budget: ImageBudget) -> LoadedImage:
    """Load the query image named by `field` (from query_source) within the request's budget."""
    if field.startswith("image"):
        if field not in params.files:
            raise InvalidQuery(f"{field} must be a file upload (multipart/form-data).")
        return budget.load(params.files[field])
    if field.startswith("url"):
        return load_url(budget, params.get(field) or "")
    item = CatalogImage.objects.filter(identifier=params.get(field)).first()
    if item is None:
        raise NotFound(f"No image with filepath {params.get(field)!r} in the collection.")
    return ingest.load_file(item)
