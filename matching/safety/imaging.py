"""Turn untrusted bytes (an upload, a file, an http(s) URL) into a decoded image, safely.

Every image that enters Likeness passes through `load()`: it enforces the byte and pixel limits
before decoding, accepts only the formats listed in `ACCEPTED_FORMATS`, applies EXIF orientation
and normalises the mode to RGB. Failures raise an `ImageError` subclass whose message a user can
act on.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import IO, Any

import numpy as np
import pillow_heif
import pypdfium2
from django.conf import settings
from PIL import GifImagePlugin, Image, ImageOps

from matching.algorithms.fingerprint import DECODE_LONG, DECODE_SHORT
from matching.algorithms.picture import LoadedImage
from matching.errors import CorruptImage, ImageFetchError, ImageTooLarge, UnsupportedImage

pillow_heif.register_heif_opener()

# Pillow decoders we let near untrusted bytes; anything else (EPS, PSD, ICO, ...) is refused.
PILLOW_FORMATS = ("JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "HEIF")
ACCEPTED_FORMATS = (*PILLOW_FORMATS, "PDF")
FORMAT_ALIASES = {"MPO": "JPEG"}
PDF_MAGIC = b"%PDF-"
PDF_RENDER_LONG_SIDE = 2000


def limits() -> Mapping[str, Any]:
    return settings.LIKENESS


def load(
    source: bytes | IO[bytes] | Path | str,
    *,
    draft_size: int | None = None,
    draft_long: int | None = None,
    max_pixels: int | None = None,
    max_whole_pixels: int | None = None,
    sha256: str = "",
) -> LoadedImage:
    """Decode an image from bytes, a binary file, a `Path`, or an http(s) URL given as `str`.

    Plain strings are always URLs, never file paths, so user input cannot name a local file.
    With `draft_size`, the decoded picture is kept only as large as needed for a short side of at
    least `draft_size` pixels (and, with it, a long side of at least `draft_long`): JPEGs are decoded at
    that scale (several times cheaper than a full decode), other formats are reduced right after
    decoding, so a large decode is not kept.
    `max_pixels` lowers the pixel limit (what is left of a request's budget). `max_whole_pixels`
    lowers it further for pictures that must be decoded whole before they can be reduced (every
    format but baseline JPEG), whose cost follows the pixels they declare, not their bytes. `sha256` is
    the bytes' content hash when the caller has made it already (a bulk import finds files it has by it).
    """
    data = read_source(source)
    limit = min(limits()["MAX_PIXELS"], max_pixels) if max_pixels is not None else limits()["MAX_PIXELS"]
    if data.startswith(PDF_MAGIC):
        loaded = _load_pdf(data, limit)
    else:
        minimum = (draft_size, max(draft_long or 0, draft_size)) if draft_size else None
        loaded = _load_raster(data, minimum, limit, max_whole_pixels)
    return replace(loaded, sha256=sha256 or hashlib.sha256(data).hexdigest())


def load_image(
    source: bytes | IO[bytes] | Path | str,
    *,
    max_pixels: int | None = None,
    max_whole_pixels: int | None = None,
    sha256: str = "",
) -> LoadedImage:
    """Decode an untrusted image (upload, bytes, Path or URL) at the size fingerprinting needs; raises ImageError."""
    return load(source, draft_size=DECODE_SHORT, draft_long=DECODE_LONG, max_pixels=max_pixels,
                max_whole_pixels=max_whole_pixels, sha256=sha256)  # fmt: skip


def read_source(source: bytes | IO[bytes] | Path | str) -> bytes:
    """Read all bytes of a source, refusing more than MAX_UPLOAD_BYTES."""
    max_bytes = limits()["MAX_UPLOAD_BYTES"]
    if isinstance(source, str):
        from matching.safety.fetch import fetch_url  # urllib3 and its TLS set-up, only where a URL is fetched

        return fetch_url(source, max_bytes)
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
    elif isinstance(source, Path):
        try:
            with source.open("rb") as handle:
                data = handle.read(max_bytes + 1)
        except OSError as exc:
            raise ImageFetchError(f"The file {source.name} cannot be read: {exc.strerror}.") from exc
    else:
        if hasattr(source, "seek"):
            source.seek(0)
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise ImageTooLarge.over(max_bytes)
    if not data:
        raise CorruptImage("The file is empty.")
    return data


def _load_raster(
    data: bytes, minimum: tuple[int, int] | None, max_pixels: int, max_whole_pixels: int | None
) -> LoadedImage:
    try:
        with warnings.catch_warnings():
            # Our own pixel limit is checked from the header below, before any decoding.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data), formats=PILLOW_FORMATS)
            assert image.format is not None  # Image.open names the format it recognised
            fmt = FORMAT_ALIASES.get(image.format, image.format)
            if isinstance(image, GifImagePlugin.GifImageFile):
                _first_frame_only(image)
            whole = fmt != "JPEG" or bool(image.info.get("progressive"))
            if whole and max_whole_pixels is not None and image.width * image.height > max_whole_pixels:
                raise ImageTooLarge(
                    f"The image is {image.width}x{image.height} pixels; a query picture in {fmt} may have at most "
                    f"{max_whole_pixels / 1e6:g} megapixels (a baseline JPEG up to {max_pixels / 1e6:g} megapixels). "
                    "Send a smaller copy: matching looks at a few hundred pixels."
                )
            _check_pixels(image.width, image.height, max_pixels)
            orientation = image.getexif().get(0x0112, 1)
            width, height = (image.height, image.width) if orientation in (5, 6, 7, 8) else image.size
            if minimum and fmt == "JPEG":
                image.draft("RGB", _oriented(image.size, minimum))
            image.seek(0)  # first frame of a GIF, first page of a TIFF
            image.load()
            ImageOps.exif_transpose(image, in_place=True)  # in place: an upright picture is not copied
            image = to_rgb(_reduce(image, minimum))
    except Image.DecompressionBombError as exc:
        raise ImageTooLarge("The image has too many pixels to be decoded safely.") from exc
    except Image.UnidentifiedImageError as exc:
        raise UnsupportedImage(
            "This file is not an image in a supported format. Supported: "
            "JPEG, PNG, GIF, BMP, TIFF, WebP, HEIC/HEIF and PDF (first page)."
        ) from exc
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise CorruptImage("The image file is truncated or corrupt and cannot be decoded.") from exc
    return LoadedImage(
        image=image,
        format=fmt,
        width=width,
        height=height,
        data=data,
        sha256="",  # set by `load`
    )


def _first_frame_only(image: GifImagePlugin.GifImageFile) -> None:
    """Decode a GIF's first frame alone when it covers only part of the screen the file declares.

    A 42-byte GIF may declare a 10000x9999 screen around a 4x4 frame: the picture is that frame,
    and decoding it should cost what the frame costs, not the canvas.
    """
    tile = image.tile[0] if len(image.tile) == 1 else None
    if tile is None or tile.extents is None:
        return
    x0, y0, x1, y1 = tile.extents
    if (x1 - x0, y1 - y0) != image.size and x1 > x0 and y1 > y0:
        image._size = (x1 - x0, y1 - y0)  # Pillow's plugins set the size this way too
        image.tile = [tile._replace(extents=(0, 0, x1 - x0, y1 - y0))]


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise ImageTooLarge(f"The image is {width}x{height} pixels; the limit is {max_pixels / 1e6:g} megapixels.")
    if width < 1 or height < 1:
        raise CorruptImage("The image has no pixels.")


def _oriented(size: tuple[int, int], minimum: tuple[int, int]) -> tuple[int, int]:
    """The (short, long) minimum as a (width, height) for a picture of this size."""
    short, long = minimum
    return (long, short) if size[0] >= size[1] else (short, long)


def _reduce(image: Image.Image, minimum: tuple[int, int] | None) -> Image.Image:
    """The picture reduced by a whole factor while its sides stay at least the (short, long) `minimum`.

    Reduced before it is made RGB where its mode allows, so a large grey or 1-bit canvas is not
    first tripled in size; palette indices cannot be averaged, so palette pictures become RGB first.
    """
    if minimum is None:
        return image
    least = _oriented(image.size, minimum)
    factor = min(image.width // least[0], image.height // least[1])
    if factor < 2:
        return image
    if image.mode == "1":
        image = image.convert("L")
    elif image.mode in ("P", "PA") or image.mode.startswith("I;16"):
        image = to_rgb(image)
    return image.reduce(factor)


def _load_pdf(data: bytes, max_pixels: int) -> LoadedImage:
    """Render the first page of a PDF at up to PDF_RENDER_LONG_SIDE pixels on its long side."""
    try:
        document = pypdfium2.PdfDocument(data)
        try:
            if len(document) == 0:
                raise CorruptImage("The PDF has no pages.")
            page = document[0]
            page_width, page_height = page.get_size()
            scale = PDF_RENDER_LONG_SIDE / max(page_width, page_height, 1)
            _check_pixels(round(page_width * scale), round(page_height * scale), max_pixels)
            image = page.render(scale=scale).to_pil()
        finally:
            document.close()
    except pypdfium2.PdfiumError as exc:
        raise CorruptImage("The PDF is damaged or encrypted and cannot be rendered.") from exc
    image = to_rgb(image)
    return LoadedImage(
        image=image,
        format="PDF",
        width=image.width,
        height=image.height,
        data=data,
        sha256="",  # set by `load`
    )


def to_rgb(image: Image.Image) -> Image.Image:
    """Any mode to 8-bit RGB: 16-bit scaled down, transparency composited on white."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray(np.clip(array * (255.0 / peak), 0, 255).astype(np.uint8), "L")
    if image.mode == "P" or image.mode == "PA":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "La", "RGBa"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    if image.mode != "RGB":
        return image.convert("RGB")
    return image
