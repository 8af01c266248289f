"""Hostile and odd image files made in code: what an attacker or a careless client sends.

`REFUSED` must be answered with a clear 4xx (nothing stored, no file left behind) on every surface
that takes an image; `ODD_BUT_VALID` are real images in awkward shapes that must simply work.
"""

from __future__ import annotations

import functools
import io
import struct
import zlib

from PIL import Image

from tests.images import encode, picture


def png_declaring(width: int, height: int) -> bytes:
    """A PNG whose header declares width x height but whose data is a few bytes (a decompression bomb)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


def gif_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("P", (4, 4)), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)  # logical screen
    at = data.index(b"\x2c")  # first image descriptor
    data[at + 5 : at + 9] = struct.pack("<HH", width, height)
    return bytes(data)


def jpeg_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (16, 16), (9, 9, 9)), "JPEG"))
    at = data.index(b"\xff\xc0")  # baseline SOF: length(2) precision(1) height(2) width(2)
    data[at + 5 : at + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def bmp_declaring(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (4, 4)), "BMP"))
    data[18:26] = struct.pack("<ii", width, height)
    return bytes(data)


def gif_screen(width: int, height: int) -> bytes:
    """A GIF whose logical screen is width x height around a single 4x4 frame."""
    data = bytearray(encode(Image.new("P", (4, 4), 3), "GIF"))
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


def png_canvas(width: int, height: int, mode: str = "RGB") -> bytes:
    """A real PNG of width x height black pixels: a few hundred kilobytes that decode to the whole canvas."""
    depth, channels = (1, 1) if mode == "1" else (8, {"L": 1, "RGB": 3}[mode])
    colour_type = {1: 0, 3: 2}[channels]
    row = b"\0" * (1 + (width * channels * depth + 7) // 8)  # filter byte, then the row's samples
    body = zlib.compress(row * height, 9)

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    header = struct.pack(">IIBBBBB", width, height, depth, colour_type, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


def tiff_canvas(width: int, height: int) -> bytes:
    """A real deflated 1-bit TIFF of width x height: a few kilobytes that decode to the whole canvas."""
    return encode(Image.new("1", (width, height)), "TIFF", compression="tiff_adobe_deflate")


@functools.cache
def costly_canvases(width: int = 10_000, height: int = 9_999) -> dict[str, bytes]:
    """Small files whose decode would cost what their declared canvas costs, not what their bytes hold."""
    return {
        "gif screen": gif_screen(width, height),
        "png grey": png_canvas(width, height, "L"),
        "png 1-bit": png_canvas(width, height, "1"),
        "png rgb": png_canvas(width, height, "RGB"),
        "tiff 1-bit": tiff_canvas(width, height),
    }


def many_frames(count: int = 2000) -> bytes:
    frames = [Image.new("P", (16, 16), n % 200) for n in range(count)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=10)
    return out.getvalue()


def huge_metadata() -> bytes:
    """A JPEG with a 60 KB EXIF block and a 1 MB ICC profile."""
    exif = Image.Exif()
    exif[0x010E] = "x" * 60_000  # ImageDescription
    return encode(picture(200, 150, 3), "JPEG", exif=exif.tobytes(), icc_profile=b"\0" * 1_000_000)


def refused() -> dict[str, bytes]:
    whole = encode(picture(320, 240, 5), "JPEG")
    return {
        "empty": b"",
        "truncated": whole[: len(whole) // 3],
        "random bytes": bytes(range(256)) * 40,
        "text as jpg": b"hello, this is not a picture\n" * 10,
        "svg": b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        "png bomb": png_declaring(100_000, 100_000),
        "gif bomb": gif_declaring(65_535, 65_535),
        "jpeg bomb": jpeg_declaring(65_000, 65_000),
        "bmp bomb": bmp_declaring(60_000, 60_000),
    }


def odd_but_valid() -> dict[str, bytes]:
    return {
        "1x1": encode(Image.new("RGB", (1, 1), (200, 30, 30)), "PNG"),
        "1x50000": encode(Image.new("RGB", (1, 50_000), (30, 30, 200)), "PNG"),
        "50000x1": encode(Image.new("L", (50_000, 1), 90), "PNG"),
        "2000 frames": many_frames(),
        "huge exif and icc": huge_metadata(),
    }


def media_files() -> set[str]:
    """Every catalog original in storage (renditions and query images aside)."""
    from pathlib import Path

    from django.conf import settings

    root = Path(settings.ORIGINALS_ROOT) / "catalog"
    return {str(path.relative_to(root)) for path in root.rglob("*") if path.is_file()} if root.exists() else set()
