"""Photographs for the demo catalog, made in code: sculpture lit in a studio, old toned prints, and what
licensees and web pages do to pictures (a detail, a frame, a wall seen at an angle, a recompressed copy).

Everything is a function of a seeded random generator: the same seed always makes the same picture.
"""

from __future__ import annotations

import io

import cv2
import numpy as np
from PIL import Image

from catalog.demo_painting import WORK_SIDE, Array, blob, glow, gradient, rgb, smooth_noise, to_image

# --- sculpture, photographed ------------------------------------------------------------------


def sculpture(rng, final: tuple[int, int], material: str, form: str) -> Image.Image:
    """A torso or a reclining form on a plinth, lit from the upper left against a studio backdrop."""
    w, h = final
    scale = WORK_SIDE / max(final)
    sw, sh = round(w * scale), round(h * scale)
    yy, xx = np.mgrid[0:sh, 0:sw].astype(np.float32)
    zoom, shift = rng.uniform(0.85, 1.1), rng.uniform(-0.08, 0.08) * sw
    x, y = (xx - sw / 2 - shift) / (sh / 2) / zoom, (yy - sh / 2) / (sh / 2) / zoom
    z = np.zeros_like(x)

    def ball(cx, cy, rx, ry):
        return np.exp(-(((x - cx) / rx) ** 2) - ((y - cy) / ry) ** 2)

    if form == "torso":  # a classical fragment, no head or arms; the hips turned from the chest (contrapposto)
        sway, turn = rng.uniform(-0.08, 0.08), rng.uniform(0.85, 1.15)
        parts = [
            (sway, -0.28, 0.34 * turn, 0.3),
            (sway * 0.5, 0.08, 0.24, 0.3),
            (-sway, 0.42, 0.35 * turn, 0.26),
            (sway * 1.3, -0.62, 0.1, 0.12),
            (sway - 0.34 * turn, -0.42, 0.15, 0.13),
            (sway + 0.34 * turn, -0.42, 0.15, 0.13),
            (sway - 0.15, -0.2, 0.12, 0.09),
            (sway + 0.15, -0.2, 0.12, 0.09),
        ]
        floor = 0.72
    else:  # a reclining form: rounded masses, one pierced
        parts = [
            (rng.uniform(-0.85, 0.85), rng.uniform(0.15, 0.45), rng.uniform(0.3, 0.55), rng.uniform(0.18, 0.3))
            for _ in range(int(rng.integers(3, 6)))
        ]
        floor = 0.72
    field = sum(ball(*part) for part in parts)
    z = 0.35 * np.sqrt(np.clip(field - 0.5, 0, None))
    if form != "torso":
        z[((x - parts[0][0]) / 0.13) ** 2 + ((y - parts[0][1]) / 0.09) ** 2 < 1] = 0
    z[y > floor] = 0
    body = z > 0
    gy, gx = np.gradient(cv2.GaussianBlur(z, (0, 0), 1.5) * sh / 2)
    normal = np.dstack([-gx, -gy, np.ones_like(z)])
    normal /= np.linalg.norm(normal, axis=2, keepdims=True)
    source = [rng.choice([-1, 1]) * rng.uniform(0.3, 0.7), -rng.uniform(0.4, 0.7), 0.65]
    light = np.array(source, np.float32) / np.linalg.norm(source)
    diffuse = np.clip(normal @ light, 0, 1)
    half = (light + np.array([0, 0, 1], np.float32)) / np.linalg.norm(light + np.array([0, 0, 1], np.float32))
    shine = np.clip(normal @ half, 0, 1)
    if material == "marble":
        veins = np.exp(-np.abs(np.sin((x * 1.6 + y * 0.8 + smooth_noise(rng, sh, sw, 5) * 3) * np.pi)) * 30)
        albedo = rgb(236, 231, 222) - veins[..., None] * rgb(40, 38, 36)
        spec = shine**25 * 40
    else:
        patina = smooth_noise(rng, sh, sw, 12)[..., None]
        albedo = rgb(105, 75, 45) * (1 - patina * 0.5) + rgb(70, 110, 90) * patina * 0.5
        spec = shine**40 * 180
    lit = albedo * (0.22 + 0.85 * diffuse[..., None]) + spec[..., None]
    backdrop = gradient(sh, sw, rgb(92, 92, 96), rgb(28, 28, 32), 0, 1)
    glow(backdrop, (sw * 0.35, sh * 0.3), sh * 0.6, rgb(130, 128, 125), 0.6)
    plinth = (y > 0.72) & (np.abs(x) < (0.5 if form == "torso" else 1.1))
    backdrop[plinth] = gradient(sh, sw, rgb(60, 58, 56), rgb(35, 34, 33), 0.8, 1)[plinth]
    shadow = cv2.GaussianBlur(body.astype(np.float32), (0, 0), sh * 0.03)
    backdrop *= 1 - 0.45 * np.roll(np.roll(shadow, int(sh * 0.04), 0), int(sw * 0.05), 1)[..., None]
    photo = np.where(body[..., None], lit, backdrop)
    photo = cv2.GaussianBlur(photo, (0, 0), 0.7) + rng.normal(0, 3, photo.shape).astype(np.float32)
    return to_image(cv2.resize(photo, (w, h), interpolation=cv2.INTER_CUBIC))


# --- old photographic prints and what licensees do to pictures ----------------------------------------


def vintage_print(rng, picture: Image.Image, tone=(112, 74, 38), paper=(238, 228, 206)) -> Image.Image:
    """A faded, toned print with grain, a vignette, foxing and a paper margin."""
    grey = np.asarray(picture.convert("L"), dtype=np.float32) / 255
    h, w = grey.shape
    faded = cv2.GaussianBlur(grey, (0, 0), max(0.6, w / 1400)) * 0.82 + 0.1
    ink, light = rgb(*tone) * 0.35, rgb(*paper)
    out: Array = (ink * (1 - faded[..., None]) + light * faded[..., None]).astype(np.float32)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d = np.sqrt(((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2)
    out *= (1 - 0.35 * np.clip(d - 0.6, 0, 1))[..., None]
    out += rng.normal(0, 7, (h, w, 1)).astype(np.float32)
    for _ in range(int(rng.integers(4, 12))):
        blob(out, (rng.uniform(0, w), rng.uniform(0, h)), (rng.uniform(1, w / 150),) * 2, rgb(170, 130, 80))
    margin = max(8, w // 22)
    sheet = np.broadcast_to(light, (h + 2 * margin, w + 2 * margin, 3)).astype(np.float32).copy()
    sheet[margin : margin + h, margin : margin + w] = out
    return to_image(sheet)


def detail(picture: Image.Image, box: tuple[float, float, float, float]) -> Image.Image:
    """A part of the picture: box as fractions (left, top, right, bottom)."""
    w, h = picture.size
    return picture.crop((round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)))


def framed(picture: Image.Image, wall=(74, 60, 52)) -> Image.Image:
    """The picture in a gilt frame, photographed straight on against the wall."""
    inner = np.asarray(picture.convert("RGB"), dtype=np.float32)
    h, w = inner.shape[:2]
    band = max(12, int(max(w, h) * 0.07))
    fh, fw = h + 2 * band, w + 2 * band
    frame = np.zeros((fh, fw, 3), np.float32)
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    depth = (
        np.minimum(np.minimum(xx, fw - 1 - xx), np.minimum(yy, fh - 1 - yy)) / band
    )  # 0 outside edge, 1 at the picture
    ridges = 0.55 + 0.45 * np.cos(depth * np.pi * 3) * np.exp(-depth)
    upper_left = (xx + yy < fw * fh / (fw + fh) * 2) & (np.minimum(xx, yy) < band)
    frame[:] = rgb(184, 140, 62) * (ridges * np.where(upper_left, 1.15, 0.8))[..., None]
    frame[band:-band, band:-band] = inner
    margin = band
    out = np.broadcast_to(rgb(*wall), (fh + 2 * margin, fw + 2 * margin, 3)).astype(np.float32).copy()
    out[margin : margin + fh, margin : margin + fw] = frame
    return to_image(out)


def on_the_wall(rng, picture: Image.Image, side: int) -> Image.Image:
    """The picture hung on a gallery wall and photographed from one side (a perspective view)."""
    src = np.asarray(picture.convert("RGB"), dtype=np.float32)
    h, w = src.shape[:2]
    width = side
    height = round(side * 0.72)
    room = gradient(height, width, rgb(226, 222, 214), rgb(196, 190, 180), 0, 0.8)
    room[int(height * 0.84) :] = rgb(120, 96, 70)
    pw = width * 0.5
    ph = pw * h / w
    left, top = width * 0.22, height * 0.42 - ph / 2
    squeeze = ph * rng.uniform(0.08, 0.14)
    target = np.array([[left, top], [left + pw, top + squeeze], [left + pw, top + ph - squeeze], [left, top + ph]],
                      dtype=np.float32)  # fmt: skip
    corners = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(corners, target)
    warped = cv2.warpPerspective(src, matrix, (width, height), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), matrix, (width, height))[..., None]
    shadow = cv2.GaussianBlur(np.roll(mask[..., 0], 8, 1), (0, 0), 6)[..., None]
    room *= 1 - 0.25 * shadow
    return to_image(room * (1 - mask) + warped * mask)


def recompressed(picture: Image.Image, scale: float = 0.55, quality: int = 38) -> bytes:
    """The picture as a web page might carry it: smaller, and saved as a coarse JPEG."""
    small = picture.convert("RGB").resize(
        (round(picture.width * scale), round(picture.height * scale)), Image.Resampling.BILINEAR
    )
    out = io.BytesIO()
    small.save(out, "JPEG", quality=quality)
    return out.getvalue()
