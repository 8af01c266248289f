"""Years as catalogs write them: "1890", "c. 1890", "1890s", "ca 1500-1510", or unknown."""

from __future__ import annotations

import re

MIN_YEAR = -3000
MAX_YEAR = 2100

_APPROX_PREFIX = re.compile(r"^(circa|ca\.?|c\.?|about|approx\.?|around|~)\s*", re.IGNORECASE)
_DECADE = re.compile(r"^(\d{3,4})s$")
_RANGE = re.compile(r"^(\d{1,4})\s*[-–/]\s*(\d{1,4})$")
_YEAR = re.compile(r"^-?\d{1,4}$")
_UNKNOWN = {"", "?", "unknown", "undated", "n.d.", "nd"}


def parse_year(text: str | int | None) -> tuple[int | None, bool]:
    """Return (year, approximate) for a catalog date; (None, False) when unknown.

    Raises ValueError with a readable message for text that is not a date.
    """
    if text is None:
        return None, False
    if isinstance(text, int):
        return _checked(text), False
    value = str(text).strip()
    if value.lower() in _UNKNOWN:
        return None, False
    approximate = False
    prefix = _APPROX_PREFIX.match(value)
    if prefix:
        approximate = True
        value = value[prefix.end() :].strip()
    if value.endswith("?"):
        approximate = True
        value = value[:-1].strip()
    if match := _DECADE.match(value):
        return _checked(int(match.group(1))), True
    if match := _RANGE.match(value):
        return _checked(int(match.group(1))), True
    if _YEAR.match(value):
        return _checked(int(value)), approximate
    raise ValueError(f'"{text}" is not a year; write e.g. 1890, c. 1890, 1890s or leave it empty.')


def _checked(year: int) -> int:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"{year} is outside the years {MIN_YEAR} to {MAX_YEAR}.")
    return year


def format_year(year: int | None, approximate: bool) -> str:
    """The year as shown to people: "1890", "c. 1890" or "Unknown"."""
    if year is None:
        return "Unknown"
    text = f"{-year} BCE" if year < 0 else str(year)
    return f"c. {text}" if approximate else text
