"""The demo catalog: a small museum's paintings, sculpture and photographs, with credits, licences and prices.

Who made them is in catalog.demo_credits: invented painters, sculptors and a studio, whose works are painted in
code (catalog.demo_painting, catalog.demo_photography), and scikit-image's sample photographs, which ship with
it, each with its photographer and licence. A few entries are deliberate copies of others (a detail, a framed
reproduction, a gallery view, web copies, a toned print), so duplicate review and copy search have something to
find.

Deterministic: entry `n` always has the same picture and metadata, so loading twice, or on two machines,
gives the same catalog. Entries past the listing are further works by the same painters.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np
from PIL import Image

from catalog import demo_painting as paint
from catalog import demo_photography as photograph
from catalog.demo import DemoArtwork
from catalog.demo_credits import ARTISTS, BANDS, COMMONS, GROUNDS, PHOTOS, TERMS, Artist, Photo


@dataclass(frozen=True)
class Copy:
    """A deliberate copy of listing entry `of`: what a licensee or a web page made of it."""

    of: int  # the entry number of the original
    kind: str  # "detail", "framed", "wall", "web", "toned"
    title_suffix: str


# The listing: ("art", artist index, work index), ("photo", photo index) or ("copy", Copy). Numbers are 1-based.
def _listing() -> list[tuple]:
    works = [("art", a, t) for t in range(12) for a, artist in enumerate(ARTISTS) if t < len(artist.titles)]
    listing: list[tuple] = []
    photos = iter(range(len(PHOTOS)))
    for n, work in enumerate(works, start=1):
        listing.append(work)
        if n % 9 == 4:
            photo = next(photos, None)
            if photo is not None:
                listing.append(("photo", photo))
    listing += [("photo", photo) for photo in photos]
    first = {entry: number for number, entry in enumerate(listing, start=1)}
    copies = [
        Copy(first[("art", 0, 0)], "detail", " (detail)"),
        Copy(first[("art", 1, 0)], "framed", ", framed"),
        Copy(first[("art", 2, 1)], "wall", ", gallery view"),
        Copy(first[("photo", 0)], "web", " (web copy)"),
        Copy(first[("photo", 1)], "toned", ", toned print"),
        Copy(first[("art", 4, 0)], "web", " (web copy)"),
    ]
    for k, copy in enumerate(copies):  # spread among the later entries, each after its original
        listing.insert(min(len(listing), copy.of + 14 + 9 * k), ("copy", copy))
    return listing


LISTING = _listing()
DEFAULT_COUNT = len(LISTING)
SIZES = (1000, 1200, 1200, 1400, 1600, 1600, 2000, 2600)
ASPECTS = {"seascape": (3, 2), "river": (4, 3), "winter": (3, 2), "still life": (4, 5), "mill": (16, 10),
           "mountains": (3, 2), "colour field": (3, 4), "fields": (5, 4), "sculpture": (4, 5),
           "vintage": (3, 2)}  # fmt: skip


def entry(number: int) -> DemoArtwork:
    """Demo entry `number` (from 1): picture and metadata, the same every time."""
    kind, *rest = LISTING[number - 1] if number <= len(LISTING) else ("art", number % len(ARTISTS), None)
    if kind == "photo":
        return _photo(number, PHOTOS[rest[0]])
    if kind == "copy":
        return _copy(number, rest[0])
    return _work(number, ARTISTS[rest[0]], rest[1])


def _work(number: int, artist: Artist, title_index: int | None) -> DemoArtwork:
    rng = np.random.default_rng(number)
    if title_index is None:  # past the listing: further works, titled as studies
        title = f"{artist.titles[number % len(artist.titles)]}, study {number // len(artist.titles)}"
    else:
        title = artist.titles[title_index]
    picture = picture_of(artist, rng)
    fmt = ["JPEG"] * 6 + ["PNG", "WEBP", "TIFF"]
    chosen = fmt[int(rng.integers(len(fmt)))] if max(picture.size) <= 1600 else "JPEG"
    year = int(rng.integers(artist.active[0], artist.active[1] + 1))
    low, high = artist.prices
    kind = {"sculpture": "sculpture", "vintage": "photograph"}.get(artist.scene, "painting")
    return DemoArtwork(
        identifier=f"demo-{number:04d}",
        data=encode(picture, chosen),
        filename=f"{slug(title)}-{number}",
        title=title,
        creator=artist.name,
        year=year,
        year_approximate=bool(rng.random() < 0.2),
        collection=artist.collection,
        license_type=artist.licence,
        price=Decimal(int(rng.integers(low, high)) // 5 * 5),
        usage_terms=TERMS[artist.licence],
        tags=artist.tags,
        description=f"A {kind} by {artist.name} ({artist.born}), in the {artist.collection[0]}.",
    )


def picture_of(artist: Artist, rng: np.random.Generator) -> Image.Image:
    a, b = (3, 2) if artist.palette.get("form") == "reclining" else ASPECTS[artist.scene]
    if rng.random() < 0.15 and artist.scene not in ("sculpture", "still life"):
        a, b = b, a  # now and then a landscape painted upright
    side = int(rng.choice(SIZES))
    size = (side, side * b // a) if a >= b else (side * a // b, side)
    if artist.scene == "sculpture":
        return photograph.sculpture(rng, size, artist.palette["material"], artist.palette["form"])
    if artist.scene == "vintage":
        scene = artist.palette["scenes"][int(rng.integers(3))]
        palette = next(other.palette for other in ARTISTS if other.scene == scene)
        small = (size[0] * 2 // 3, size[1] * 2 // 3)
        return photograph.vintage_print(rng, paint.painting(rng, scene, palette, small, 0, brush=0.6))
    age = max(0.0, min(1.0, (1950 - artist.active[0]) / 300))
    return paint.painting(rng, artist.scene, varied(rng, artist.palette), size, age, artist.brush)


def varied(rng: np.random.Generator, palette: dict) -> dict:
    """The painter's palette, shifted a little for this work; a colour-field painter's bands chosen anew."""
    if "ground" in palette:
        bands = rng.choice(len(BANDS), 3, replace=False)
        return {"ground": GROUNDS[int(rng.integers(len(GROUNDS)))], "fields": tuple(BANDS[b] for b in bands)}
    shift = rng.normal(0, 10, 3)
    return {
        key: value if key in ("fruit", "fields") else tuple(np.clip(np.add(value, shift), 0, 255).tolist())
        for key, value in palette.items()
    }


def _photo(number: int, photo: Photo) -> DemoArtwork:
    return DemoArtwork(
        identifier=f"demo-{number:04d}",
        data=encode(sample_photo(photo.sample), "JPEG"),
        filename=f"{slug(photo.title)}-{number}",
        title=photo.title,
        creator=photo.creator,
        year=photo.year,
        year_approximate=False,
        collection=COMMONS,
        license_type="royalty-free",
        price=Decimal(15),
        usage_terms=f"{photo.credit} The fee covers supplying the file; credit the photographer.",
        tags=photo.tags,
        description=f"{photo.credit} From scikit-image's sample data (skimage.data.{photo.sample}).",
    )


def _copy(number: int, copy: Copy) -> DemoArtwork:
    original = entry(copy.of)
    picture = Image.open(io.BytesIO(original.data)).convert("RGB")
    rng = np.random.default_rng(number)
    if copy.kind == "web":
        data = photograph.recompressed(picture)
    else:
        made = {
            "detail": lambda: photograph.detail(picture, (0.3, 0.25, 0.8, 0.8)),
            "framed": lambda: photograph.framed(picture),
            "wall": lambda: photograph.on_the_wall(rng, picture, 1800),
            "toned": lambda: photograph.vintage_print(rng, picture),
        }[copy.kind]()
        data = encode(made, "JPEG")
    return DemoArtwork(
        identifier=f"demo-{number:04d}",
        data=data,
        filename=f"{slug(original.title)}-{copy.kind}-{number}",
        title=original.title + copy.title_suffix,
        creator=original.creator,
        year=original.year,
        year_approximate=original.year_approximate,
        collection=original.collection,
        license_type=original.license_type,
        price=max(Decimal(10), original.price * Decimal("0.5")).quantize(Decimal(1)),
        usage_terms=original.usage_terms,
        tags=original.tags,
        description=f"{COPY_NOTES[copy.kind]} of “{original.title}” ({original.identifier}). {original.description}",
    )


COPY_NOTES = {"detail": "A detail", "framed": "The framed original, photographed", "wall": "A gallery view",
              "web": "A web copy (smaller, recompressed)", "toned": "A toned print"}  # fmt: skip


def sample_photo(name: str) -> Image.Image:
    import skimage.data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        array = getattr(skimage.data, name)()
    return Image.fromarray(array).convert("RGB")


def encode(picture: Image.Image, fmt: str) -> bytes:
    out = io.BytesIO()
    options: dict[str, dict[str, Any]] = {
        "JPEG": {"quality": 90}, "WEBP": {"quality": 88, "method": 1}, "TIFF": {"compression": "tiff_lzw"},
        "PNG": {"compress_level": 1},
    }  # fmt: skip
    picture.save(out, fmt, **options.get(fmt, {}))
    return out.getvalue()


def slug(title: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in title.lower()).strip("-")
