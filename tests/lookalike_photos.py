"""Photos that ship with scikit-image, for look-alike tests: a catalog by subject, and a query that is
not a copy of any of them but looks like the cat (a mirrored detail, posterised and blurred beyond
what local features can verify: a lighter blur is found as a copy, which it is)."""

from __future__ import annotations

import functools

from PIL import Image, ImageFilter, ImageOps

from tests.images import encode


def photo(name: str) -> Image.Image:
    """A scikit-image sample photo in RGB (read once per test process; each caller gets its own copy)."""
    return _photo(name).copy()


@functools.lru_cache(maxsize=32)
def _photo(name: str) -> Image.Image:
    from skimage import data

    return Image.fromarray(getattr(data, name)()).convert("RGB")


def cat_detail() -> Image.Image:
    cat = photo("chelsea")
    w, h = cat.size
    detail = ImageOps.mirror(cat.crop((int(w * 0.45), int(h * 0.1), w, int(h * 0.8))))
    return ImageOps.posterize(detail, 3).filter(ImageFilter.GaussianBlur(4))


def jpeg(image: Image.Image) -> bytes:
    return encode(image, "JPEG", quality=90)
