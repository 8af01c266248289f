import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from matching.algorithms import fingerprint
from matching.errors import CorruptImage, ImageFetchError, ImageTooLarge, UnsupportedImage
from matching.safety import imaging
from matching.safety.budget import ImageBudget
from tests.hostile import gif_screen, png_canvas, tiff_canvas
from tests.images import encode, image_bytes, picture


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "BMP", "TIFF", "WEBP", "HEIF"])
def test_every_accepted_raster_format_decodes_to_rgb(fmt):
    loaded = imaging.load(image_bytes(fmt, 200, 150))
    assert (loaded.format, loaded.width, loaded.height) == (fmt, 200, 150)
    assert loaded.image.mode == "RGB" and loaded.image.size == (200, 150)


def test_pdf_first_page_is_rendered():
    pages = [picture(300, 200, seed=1), picture(300, 200, seed=2)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:])
    loaded = imaging.load(out.getvalue())
    assert loaded.format == "PDF" and loaded.image.mode == "RGB"
    assert max(loaded.image.size) == imaging.PDF_RENDER_LONG_SIDE
    # The first page, not the second: compare at thumbnail size.
    rendered = np.asarray(loaded.image.resize((60, 40)), dtype=float)
    first, second = (np.asarray(page.resize((60, 40)), dtype=float) for page in pages)
    assert np.abs(rendered - first).mean() < np.abs(rendered - second).mean()


def test_gif_gives_its_first_frame_and_tiff_its_first_page():
    red, blue = Image.new("RGB", (40, 40), (255, 0, 0)), Image.new("RGB", (40, 40), (0, 0, 255))
    for fmt in ("GIF", "TIFF"):
        out = io.BytesIO()
        red.save(out, fmt, save_all=True, append_images=[blue])
        pixel = imaging.load(out.getvalue()).image.getpixel((20, 20))
        assert pixel[0] > 200 and pixel[2] < 50, fmt


def test_exif_orientation_is_applied():
    tall = Image.new("RGB", (100, 200), (0, 0, 0))
    tall.paste((255, 255, 255), (0, 0, 100, 50))  # white band at the top
    stored = tall.rotate(90, expand=True)  # as a camera stores it: 200x100
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    loaded = imaging.load(encode(stored, "JPEG", exif=exif.tobytes(), quality=95))
    assert (loaded.width, loaded.height) == (100, 200)
    assert loaded.image.size == (100, 200)
    assert loaded.image.getpixel((50, 10))[0] > 200


@pytest.mark.parametrize("mode", ["CMYK", "P", "L", "LA", "RGBA", "1", "I;16"])
def test_unusual_modes_become_rgb(mode):
    base = picture(64, 48)
    if mode == "I;16":
        source = Image.fromarray(np.asarray(base.convert("L"), dtype=np.uint16) * 257)
        fmt = "PNG"
    else:
        source, fmt = base.convert(mode), ("TIFF" if mode == "CMYK" else "PNG")
    loaded = imaging.load(encode(source, fmt))
    assert loaded.image.mode == "RGB" and loaded.image.size == (64, 48)
    if mode == "I;16":  # 16-bit scaled down, not clipped to white
        assert 40 < np.asarray(loaded.image).mean() < 215


def test_transparent_areas_become_white():
    clear = Image.new("RGBA", (20, 20), (255, 0, 0, 0))
    assert imaging.load(encode(clear, "PNG")).image.getpixel((5, 5)) == (255, 255, 255)


def test_jpeg_draft_decodes_at_reduced_size_but_reports_the_original_size():
    data = image_bytes("JPEG", 2400, 1600)
    loaded = imaging.load(data, draft_size=256)
    assert (loaded.width, loaded.height) == (2400, 1600)
    assert min(loaded.image.size) >= 256 and loaded.image.size[0] <= 600


def test_facts_of_the_original_file():
    data = image_bytes("PNG")
    loaded = imaging.load(data)
    import hashlib

    assert loaded.file_size == len(data) and loaded.sha256 == hashlib.sha256(data).hexdigest()


def test_files_over_the_byte_limit_are_refused_before_decoding(settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_UPLOAD_BYTES": 1000}
    with pytest.raises(ImageTooLarge, match="too large") as caught:
        imaging.load(image_bytes("PNG", 200, 200))
    assert caught.value.status_code == 413


def test_images_over_the_pixel_limit_are_refused(settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_PIXELS": 10_000}
    with pytest.raises(ImageTooLarge, match="megapixels"):
        imaging.load(image_bytes("PNG", 200, 200))


def test_a_decompression_bomb_is_refused_from_its_header():
    # A tiny PNG whose header claims 60000x60000 pixels: refused without decoding.
    png = bytearray(image_bytes("PNG", 8, 8))
    ihdr = bytearray(png[12:29])
    ihdr[4:12] = struct.pack(">II", 60000, 60000)
    png[12:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    with pytest.raises(ImageTooLarge):
        imaging.load(bytes(png))


def test_a_gif_frame_on_a_huge_screen_is_decoded_alone():
    # 42 bytes declaring a 10000x9999 screen around a 4x4 frame: the picture is the frame.
    loaded = imaging.load_image(gif_screen(10_000, 9_999))
    assert loaded.image.size == (4, 4)
    assert (loaded.width, loaded.height) == (4, 4)


def test_a_gif_whose_frame_fills_its_screen_is_unchanged():
    loaded = imaging.load_image(encode(picture(64, 48, 2).convert("P"), "GIF"))
    assert loaded.image.size == (64, 48)


@pytest.mark.parametrize(
    "data",
    [png_canvas(10_000, 9_999, "1"), tiff_canvas(10_000, 9_999), encode(Image.new("RGB", (5000, 4000)), "WEBP")],
    ids=["png", "tiff", "webp"],
)
def test_a_query_picture_decoded_whole_may_not_declare_more_than_the_query_ceiling(data):
    # Small files under the general pixel limit whose decode costs what they declare.
    with pytest.raises(ImageTooLarge, match="query picture") as caught:
        ImageBudget().load(data)
    assert caught.value.status_code == 413
    assert max(imaging.load_image(data).image.size) >= fingerprint.DECODE_LONG  # a staff import still takes it


def test_a_baseline_jpeg_query_is_decoded_at_reduced_scale_up_to_the_general_limit(settings):
    settings.LIKENESS = {**settings.LIKENESS, "MAX_QUERY_PIXELS": 100_000}
    loaded = ImageBudget().load(image_bytes("JPEG", 800, 600))
    assert (loaded.width, loaded.height) == (800, 600)
    with pytest.raises(ImageTooLarge, match="query picture"):
        ImageBudget().load(encode(picture(800, 600), "JPEG", progressive=True))


def test_a_one_bit_canvas_is_reduced_and_made_rgb():
    loaded = imaging.load_image(png_canvas(4000, 3000, "1"))
    assert loaded.image.mode == "RGB" and loaded.image.size == (500, 375)  # an eighth: still DECODE_LONG wide
    assert (loaded.width, loaded.height) == (4000, 3000)
    assert loaded.image.getpixel((10, 10)) == (0, 0, 0)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"just some text, no image", UnsupportedImage),
        (b"", CorruptImage),
        (image_bytes("JPEG", 400, 300)[:600], CorruptImage),
        (image_bytes("PNG", 400, 300)[:900], CorruptImage),
        (encode(picture(32, 32), "ICO"), UnsupportedImage),
        (b"%PDF-1.4 this is not really a pdf", CorruptImage),
    ],
    ids=["text", "empty", "truncated-jpeg", "truncated-png", "ico", "broken-pdf"],
)
def test_bad_files_raise_one_readable_error(data, error):
    with pytest.raises(error) as caught:
        imaging.load(data)
    assert str(caught.value).endswith(".")


def test_plain_strings_are_urls_never_local_paths(tmp_path):
    path = tmp_path / "image.png"
    path.write_bytes(image_bytes("PNG"))
    assert imaging.load(path).format == "PNG"
    with pytest.raises(ImageFetchError, match="http"):
        imaging.load(str(path))
    with pytest.raises(ImageFetchError, match="http"):
        imaging.load("file:///etc/passwd")
