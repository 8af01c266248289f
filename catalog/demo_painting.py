"""Paintings for the demo catalog, made in code: a scene laid in as an underpainting, then brushwork that follows
its forms, on a canvas weave, the varnish yellowed with age.

Everything is a function of a seeded random generator: the same seed always paints the same picture.
Arrays are float32 RGB in 0-255 until `to_image`.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import cv2
import numpy as np
from PIL import Image

Array = np.ndarray
WORK_SIDE = 900  # brushwork is laid at this long side, then the canvas is scaled to its final size


def to_image(array: Array) -> Image.Image:
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8))


def rgb(*values: float) -> Array:
    return np.array(values, dtype=np.float32)


def smooth_noise(rng: np.random.Generator, h: int, w: int, cells: int) -> Array:
    """Noise in 0-1 that varies over about `cells` cells across the long side (clouds, turbulence)."""
    grid = rng.random((max(2, cells * h // max(h, w) + 2), max(2, cells * w // max(h, w) + 2))).astype(np.float32)
    return cv2.resize(grid, (w, h), interpolation=cv2.INTER_CUBIC).clip(0, 1)


def gradient(h: int, w: int, top: Array, bottom: Array, start: float = 0.0, end: float = 1.0) -> Array:
    """A vertical blend from `top` (at `start` of the height) to `bottom` (at `end`)."""
    t = np.clip((np.linspace(0, 1, h, dtype=np.float32) - start) / max(end - start, 1e-3), 0, 1)[:, None, None]
    return np.broadcast_to(top * (1 - t) + bottom * t, (h, w, 3)).copy()


def glow(canvas: Array, center: tuple[float, float], radius: float, color: Array, strength: float = 1.0) -> None:
    h, w = canvas.shape[:2]
    yy, xx = np.ogrid[0:h, 0:w]
    d = np.sqrt((xx - center[0]) ** 2 + (yy - center[1]) ** 2) / radius
    a = (np.exp(-(d**2)) * strength)[..., None].astype(np.float32)
    canvas *= 1 - a
    canvas += color * a


def fill(canvas: Array, points, color: Array) -> None:
    cv2.fillPoly(canvas, [np.round(np.asarray(points)).astype(np.int32)], color.tolist(), cv2.LINE_AA)


def blob(canvas: Array, center, axes, color: Array, angle: float = 0.0) -> None:
    cv2.ellipse(canvas, (round(center[0]), round(center[1])), (max(1, round(axes[0])), max(1, round(axes[1]))),
                angle, 0, 360, color.tolist(), -1, cv2.LINE_AA)  # fmt: skip


def ridge(rng: np.random.Generator, w: int, base: float, height: float, roughness: float = 0.5) -> Array:
    """A hill or mountain line across the width: y for every x (midpoint displacement)."""
    n = 65
    line = np.zeros(n, dtype=np.float32)
    step, scale = n - 1, height
    while step > 1:
        for i in range(0, n - 1, step):
            line[i + step // 2] = (line[i] + line[i + step]) / 2 + rng.normal(0, scale)
        step //= 2
        scale *= roughness
    line -= line.min()
    return base - np.interp(np.arange(w), np.linspace(0, w - 1, n), line).astype(np.float32)


def under_ridge(canvas: Array, ys: Array, color: Array, shade: float = 0.0) -> None:
    h = canvas.shape[0]
    mask = np.arange(h, dtype=np.float32)[:, None] >= ys[None, :]
    tone = color * (1 - shade * np.linspace(0, 1, h, dtype=np.float32)[:, None, None])
    canvas[mask] = np.broadcast_to(tone, canvas.shape)[mask]


# --- scenes: the underpainting of each kind of picture --------------------------------------------


def seascape(rng, h, w, palette):
    """A harbour or a shore: sky with clouds, the sun low, the sea, boats with masts and sails."""
    horizon = h * rng.uniform(0.45, 0.62)
    canvas = gradient(h, w, palette["sky"], palette["haze"], 0, horizon / h)
    clouds = smooth_noise(rng, h, w, 6)[..., None]
    canvas += (
        (clouds > 0.55) * (clouds - 0.55) * 2.2 * (palette["cloud"] - canvas) * (np.arange(h) < horizon)[:, None, None]
    )
    sun = (w * rng.uniform(0.2, 0.8), horizon * rng.uniform(0.55, 0.9))
    glow(canvas, sun, h * 0.16, palette["sun"], 0.85)
    sea = gradient(h, w, palette["haze"] * 0.85, palette["sea"], horizon / h, 1)
    canvas[int(horizon) :] = sea[int(horizon) :]
    for _ in range(int(h * 0.35)):  # the sun's path on the water
        y = rng.uniform(horizon, h)
        spread = 0.2 + (y - horizon) / h * 1.4
        x = sun[0] + rng.normal(0, w * 0.04 * spread)
        cv2.line(
            canvas, (int(x - w * 0.02), int(y)), (int(x + w * 0.02), int(y)), palette["sun"].tolist(), 1, cv2.LINE_AA
        )
    if rng.random() < 0.6:  # a pier into the sea
        y0 = horizon + (h - horizon) * 0.25
        side = rng.choice([-1, 1])
        x0 = w * (0.5 + side * 0.5)
        far = x0 - side * w * 0.45
        fill(canvas, [(x0, y0), (far, horizon + 3), (far, horizon + 9), (x0, y0 + h * 0.05)], palette["dark"])
    for _ in range(int(rng.integers(2, 6))):
        scale = rng.uniform(0.4, 1.0)
        x, y = w * rng.uniform(0.08, 0.92), horizon + (h - horizon) * rng.uniform(0.05, 0.6) * scale
        length, mast = w * 0.09 * scale, h * 0.28 * scale
        deck = y - length * 0.2
        fill(
            canvas,
            [(x - length, deck), (x + length, deck), (x + length * 0.7, y), (x - length * 0.8, y)],
            palette["dark"],
        )
        mast_width = max(1, int(3 * scale))
        cv2.line(
            canvas, (int(x), int(deck)), (int(x), int(y - mast)), palette["dark"].tolist(), mast_width, cv2.LINE_AA
        )
        boom = y - length * 0.4
        fill(canvas, [(x + 2, y - mast), (x + 2, boom), (x + length * 0.9, boom)], palette["sail"])
        shadow = palette["dark"] * 0.8 + palette["sea"] * 0.2  # the hull's reflection
        fill(
            canvas,
            [(x, y), (x + length, y), (x + length * 0.6, y + length / 2), (x - length / 2, y + length / 2)],
            shadow,
        )
    return canvas, 0.0


def river(rng, h, w, palette):
    """A river between meadows, a row of poplars on the far bank and their reflections."""
    bank = h * rng.uniform(0.5, 0.62)
    canvas = gradient(h, w, palette["sky"], palette["haze"], 0, bank / h)
    clouds = smooth_noise(rng, h, w, 5)[..., None]
    canvas += np.clip(clouds - 0.5, 0, 1) * 2 * (palette["cloud"] - canvas)
    far = ridge(rng, w, bank, h * 0.05, 0.6)
    under_ridge(canvas, far, palette["field"] * 0.8)
    water_top = bank + h * 0.04
    canvas[int(water_top) :] = gradient(h, w, palette["sky"] * 0.8, palette["sea"], water_top / h, 1)[int(water_top) :]
    count = int(rng.integers(4, 10))
    xs = np.sort(rng.uniform(0.05, 0.95, count)) * w
    for x in xs:
        height, width = h * rng.uniform(0.25, 0.45), w * rng.uniform(0.018, 0.035)
        color = palette["tree"] * rng.uniform(0.75, 1.15)
        blob(canvas, (x, bank - height / 2), (width, height / 2), color)
        reflection = (color * 0.55 + palette["sea"] * 0.45).astype(np.float32)
        blob(canvas, (x, water_top + height * 0.35), (width * 1.1, height * 0.35), reflection)
    near = ridge(rng, w, h * rng.uniform(0.82, 0.92), h * 0.06, 0.55)
    under_ridge(canvas, near, palette["field"], 0.2)
    for _ in range(int(w * 0.25)):  # flowers in the near meadow
        x, y = rng.uniform(0, w), rng.uniform(h * 0.86, h)
        if y > near[min(w - 1, int(x))]:
            blob(canvas, (x, y), (2, 2), palette["flower"] * rng.uniform(0.8, 1.1))
    return canvas, None


def winter(rng, h, w, palette):
    """Snow under a low sun or the moon: dark firs, a cottage with a lit window."""
    horizon = h * rng.uniform(0.45, 0.6)
    canvas = gradient(h, w, palette["sky"], palette["haze"], 0, horizon / h)
    light = (w * rng.uniform(0.15, 0.85), horizon * rng.uniform(0.3, 0.8))
    glow(canvas, light, h * 0.08, palette["sun"], 1.0)
    glow(canvas, light, h * 0.3, palette["sun"], 0.3)
    hills = ridge(rng, w, horizon, h * 0.1, 0.55)
    under_ridge(canvas, hills, palette["snow"] * 0.9, -0.1)
    shadows = smooth_noise(rng, h, w, 4)[..., None]
    snow_zone = (np.arange(h)[:, None] >= hills[None, :])[..., None]
    canvas -= snow_zone * np.clip(shadows - 0.45, 0, 1) * 90 * rgb(1.0, 0.8, 0.45)
    if rng.random() < 0.7:
        x, y, size = w * rng.uniform(0.2, 0.8), horizon + h * rng.uniform(0.05, 0.15), w * rng.uniform(0.04, 0.07)
        fill(canvas, [(x - size, y), (x + size, y), (x + size, y - size), (x - size, y - size)], palette["house"])
        fill(canvas, [(x - size * 1.2, y - size), (x + size * 1.2, y - size), (x, y - size * 1.8)], palette["snow"])
        blob(canvas, (x + size * 0.4, y - size * 0.5), (size * 0.15, size * 0.18), palette["sun"])
    for _ in range(int(rng.integers(6, 16))):
        x, base = rng.uniform(0, w), horizon + h * rng.uniform(-0.02, 0.35)
        height = h * rng.uniform(0.12, 0.3) * (0.5 + (base - horizon) / h * 2)
        for tier in range(4):
            top = base - height * (tier + 1) / 4 - height * 0.15
            half = height * 0.22 * (4 - tier) / 4
            fill(
                canvas,
                [(x - half, base - height * tier / 4), (x + half, base - height * tier / 4), (x, top)],
                palette["tree"],
            )
    return canvas, 0.0


def still_life(rng, h, w, palette):
    """Fruit and a glass on a table before a dark wall, lit from the left."""
    table = h * rng.uniform(0.58, 0.7)
    canvas = gradient(h, w, palette["wall"] * 1.3, palette["wall"] * 0.7, 0, 1)
    glow(canvas, (w * 0.2, h * 0.2), h * 0.6, palette["wall"] * 2.2, 0.5)
    canvas[int(table) :] = gradient(h, w, palette["table"], palette["table"] * 0.55, table / h, 1)[int(table) :]
    if rng.random() < 0.6:  # a white cloth over the edge
        x0 = w * rng.uniform(0.1, 0.5)
        fill(canvas, [(x0, table), (x0 + w * 0.45, table), (x0 + w * 0.5, h), (x0 - w * 0.05, h)], palette["cloth"])
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if rng.random() < 0.7:  # a jug or bottle behind the fruit
        jx, jr = w * rng.uniform(0.25, 0.75), w * rng.uniform(0.07, 0.1)
        body = palette["wall"] * 0.6 + rgb(40, 50, 30)
        blob(canvas, (jx, table - jr * 1.6), (jr, jr * 1.7), body)
        cv2.rectangle(
            canvas,
            (int(jx - jr * 0.3), int(table - jr * 4.2)),
            (int(jx + jr * 0.3), int(table - jr * 2.8)),
            body.tolist(),
            -1,
            cv2.LINE_AA,
        )
        glow(canvas, (jx - jr * 0.45, table - jr * 2.1), jr * 0.25, rgb(230, 225, 200), 0.7)
    cluster = w * rng.uniform(0.3, 0.7)
    for _ in range(int(rng.integers(5, 11))):
        r = w * rng.uniform(0.045, 0.08)
        cx, cy = cluster + rng.normal(0, w * 0.12), table + rng.uniform(-0.3, 0.7) * r
        color = palette["fruit"][int(rng.integers(len(palette["fruit"])))] * rng.uniform(0.85, 1.1)
        d = ((xx - cx) / (r * rng.uniform(1.0, 1.3))) ** 2 + ((yy - cy) / r) ** 2
        inside = d <= 1
        light = np.clip(1 - np.sqrt(((xx - cx + r * 0.45) / r) ** 2 + ((yy - cy + r * 0.45) / r) ** 2) * 0.6, 0.15, 1)
        canvas[inside] = (color * (0.35 + 0.75 * light[..., None]))[inside]
        glow(canvas, (cx - r * 0.35, cy - r * 0.4), r * 0.16, rgb(255, 250, 235), 0.7)
    return canvas, None


def mill(rng, h, w, palette):
    """A flat land under a great sky: clumps of trees, a windmill, a canal."""
    horizon = h * rng.uniform(0.62, 0.75)
    canvas = gradient(h, w, palette["sky"], palette["haze"], 0, horizon / h)
    clouds = smooth_noise(rng, h, w, 4)[..., None]
    billow = np.clip(clouds - 0.45, 0, 1) * 1.8
    canvas += billow * (palette["cloud"] - canvas) - np.clip(0.35 - clouds, 0, 1) * 60
    canvas[int(horizon) :] = gradient(h, w, palette["field"], palette["field"] * 0.6, horizon / h, 1)[int(horizon) :]
    for _ in range(int(rng.integers(3, 7))):
        x, size = w * rng.uniform(0, 1), w * rng.uniform(0.04, 0.1)
        for _ in range(6):
            leaves = (x + rng.normal(0, size * 0.5), horizon - size * rng.uniform(0.2, 0.9))
            blob(canvas, leaves, (size * 0.5, size * 0.45), palette["tree"] * rng.uniform(0.7, 1.1))
    mx, size = w * rng.uniform(0.2, 0.8), h * rng.uniform(0.12, 0.2)
    tower = [(mx - size / 4, horizon), (mx + size / 4, horizon), (mx + size * 0.12, horizon - size),
             (mx - size * 0.12, horizon - size)]  # fmt: skip
    fill(canvas, tower, palette["dark"])
    hub = (mx, horizon - size)
    turn = rng.uniform(0, math.pi / 2)
    for k in range(4):
        a = turn + k * math.pi / 2
        end = (hub[0] + math.cos(a) * size * 0.9, hub[1] + math.sin(a) * size * 0.9)
        cv2.line(
            canvas,
            (int(hub[0]), int(hub[1])),
            (int(end[0]), int(end[1])),
            palette["dark"].tolist(),
            max(2, int(size * 0.06)),
            cv2.LINE_AA,
        )
    canal = horizon + (h - horizon) * rng.uniform(0.3, 0.6)
    fill(
        canvas, [(0, canal), (w, canal - h * 0.03), (w, canal + h * 0.03), (0, canal + h * 0.08)], palette["sky"] * 0.75
    )
    return canvas, None


def mountains(rng, h, w, palette):
    """Ranges fading into a burning sky, a lake below."""
    canvas = gradient(h, w, palette["sky"], palette["sun"], 0, 0.6)
    glow(canvas, (w * rng.uniform(0.25, 0.75), h * 0.45), h * 0.25, palette["sun"] * 1.1, 0.8)
    lake = h * rng.uniform(0.7, 0.8)
    for layer in range(4):
        depth = layer / 3
        color = palette["far"] * (1 - depth) + palette["near"] * depth
        line = ridge(rng, w, h * (0.42 + 0.1 * layer), h * (0.28 - 0.05 * layer), 0.55)
        under_ridge(canvas, np.minimum(line, lake), color, 0.1)
    top = int(lake)
    above = canvas[max(0, 2 * top - h) : top]
    canvas[top:] = np.flipud(above)[: h - top] * 0.7 + palette["near"] * 0.3
    return canvas, None


def colour_field(rng, h, w, palette):
    """Soft-edged fields of colour stacked on a ground (mid-century abstraction)."""
    canvas = np.broadcast_to(palette["ground"], (h, w, 3)).astype(np.float32).copy()
    bands = int(rng.integers(2, 4))
    top = h * 0.06
    for k in range(bands):
        height = (h * 0.88 - top) / bands - h * 0.03
        color = palette["fields"][k % len(palette["fields"])]
        field = np.zeros((h, w), np.float32)
        cv2.rectangle(field, (int(w * 0.08), int(top)), (int(w * 0.92), int(top + height)), 1.0, -1)
        field = cv2.GaussianBlur(field, (0, 0), w * 0.012)[..., None]
        canvas = canvas * (1 - field) + color * field
        top += height + h * 0.03
    return canvas, 0.0


def rolling_fields(rng, h, w, palette):
    """Rolling hills in bold bands, furrows, one tree (a contemporary landscape)."""
    canvas = gradient(h, w, palette["sky"], palette["haze"], 0, 0.5)
    base = h * 0.4
    for k in range(5):
        line = ridge(rng, w, base + h * 0.12 * k, h * 0.12, 0.45)
        color = palette["fields"][k % len(palette["fields"])]
        under_ridge(canvas, line, color, 0.15)
        for j in range(0, w, max(6, w // 60)):  # furrows down the slope
            y = int(line[j])
            cv2.line(
                canvas,
                (j, y + 4),
                (j + int(w * 0.02), min(h - 1, y + int(h * 0.1))),
                (color * 0.8).tolist(),
                1,
                cv2.LINE_AA,
            )
    x = w * rng.uniform(0.2, 0.8)
    y = h * 0.45
    cv2.line(canvas, (int(x), int(y)), (int(x), int(y - h * 0.1)), (40, 30, 25), max(2, w // 200), cv2.LINE_AA)
    blob(canvas, (x, y - h * 0.14), (w * 0.05, h * 0.06), palette["tree"])
    return canvas, None


SCENES: dict[str, Callable] = {"seascape": seascape, "river": river, "winter": winter, "still life": still_life,
                               "mill": mill, "mountains": mountains, "colour field": colour_field,
                               "fields": rolling_fields}  # fmt: skip


# --- brushwork, canvas and finish --------------------------------------------------------------


def brushwork(rng, base: Array, default_angle: float | None, size: float, passes=((10, 7, 34), (5, 3, 15))) -> Array:
    """Strokes over the underpainting, each of the colour beneath it, laid along the forms (across the
    gradient of light), or at `default_angle` where the picture is flat (None: any direction)."""
    h, w = base.shape[:2]
    light = cv2.GaussianBlur(base.mean(axis=2), (0, 0), 2.5)
    gx, gy = cv2.Sobel(light, cv2.CV_32F, 1, 0, ksize=5), cv2.Sobel(light, cv2.CV_32F, 0, 1, ksize=5)
    along, strength = np.arctan2(gy, gx) + np.pi / 2, np.hypot(gx, gy)
    canvas = cv2.GaussianBlur(base, (0, 0), 2)
    for spacing, thickness, length in passes:
        spacing, thickness, length = spacing * size, max(1, round(thickness * size)), length * size
        ys, xs = np.mgrid[0:h:spacing, 0:w:spacing].reshape(2, -1)
        count = len(xs)
        xs = np.clip(xs + rng.uniform(-spacing, spacing, count), 0, w - 1).astype(int)
        ys = np.clip(ys + rng.uniform(-spacing, spacing, count), 0, h - 1).astype(int)
        order = rng.permutation(count)
        xs, ys = xs[order], ys[order]
        flat = strength[ys, xs] < 40
        fallback = rng.uniform(0, np.pi, count) if default_angle is None else np.full(count, default_angle)
        angles = np.where(flat, fallback, along[ys, xs]) + rng.normal(0, 0.2, count)
        half = rng.uniform(0.5, 1.0, count) * length / 2
        dx, dy = np.cos(angles) * half, np.sin(angles) * half
        tint = rng.normal(0, 7, (count, 3)) + rng.normal(0, 12, (count, 1))  # a little hue, more light and shade
        colors = np.clip(base[ys, xs] + tint, 0, 255)
        starts = np.stack([xs - dx, ys - dy], 1).round().astype(int).tolist()
        ends = np.stack([xs + dx, ys + dy], 1).round().astype(int).tolist()
        for start, end, color in zip(starts, ends, colors.tolist(), strict=True):
            cv2.line(canvas, start, end, color, thickness, cv2.LINE_AA)
    return canvas


def on_canvas(rng, painting: Array, final: tuple[int, int], age: float) -> Array:
    """Scaled to its final size on a canvas weave; `age` (0-1) yellows the varnish and darkens the edges."""
    w, h = final
    out = np.asarray(cv2.resize(painting, (w, h), interpolation=cv2.INTER_CUBIC), dtype=np.float32)
    period = max(2.5, max(w, h) / 700)
    xs, ys = np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32)
    weave = np.outer(np.sin(ys * 2 * np.pi / period), np.sin(xs * 2 * np.pi / period))
    tile = rng.normal(0, 1, (256, 256)).astype(np.float32)
    grain = np.tile(tile, (h // 256 + 1, w // 256 + 1))[:h, :w]
    out *= (1 + 0.03 * weave + 0.015 * grain)[..., None]
    if age:
        out = (out * (1 - 0.18 * age) + rgb(150, 110, 40) * 0.18 * age).astype(np.float32)
        edge = np.minimum.outer(np.minimum(ys, h - ys) / h, np.minimum(xs, w - xs) / w)
        out *= (1 - 0.35 * age * np.clip(0.15 - edge, 0, 0.15) / 0.15)[..., None]
    return out


def painting(rng, scene: str, palette: dict, final: tuple[int, int], age: float, brush: float = 1.0) -> Image.Image:
    """A painted scene at its final size (width, height)."""
    scale = WORK_SIDE / max(final)
    w, h = max(32, round(final[0] * scale)), max(32, round(final[1] * scale))
    colours = {key: [rgb(*c) for c in value] if key in ("fruit", "fields") else np.asarray(value, dtype=np.float32)
               for key, value in palette.items()}  # fmt: skip
    base, angle = SCENES[scene](rng, h, w, colours)
    return to_image(on_canvas(rng, brushwork(rng, np.clip(base, 0, 255), angle, brush), final, age))
