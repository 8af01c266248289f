"""A picture's colour signature, and ranking pictures by how much of them is near chosen colours.

The signature is a sparse histogram over a fixed palette: the cells of a regular CIELAB grid (STEP units
a side) that sRGB colours fall in, about 2,300 bins. A picture keeps the MAX_BINS bins covering most of
it, each with its share of the area. A query colour is compared with every bin by CIEDE2000 once per
query, through a kernel that is 1 on the colour and falls to 0 at `ColorTolerance.cutoff`; a picture's
score for one colour is the share of its area near it. Several colours with weights (summing to 1)
score as the weighted geometric mean of how much of each colour's asked share the picture holds, so a
picture must hold every colour, in about the asked proportions, to score well. One to MAX_COLORS colours.

`ColorPostings` holds many signatures as inverted lists (per bin: pictures and shares), so a query
reads only the bins near its colours: a few milliseconds over a million pictures.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import cast

import numpy as np
from PIL import Image
from skimage.color import deltaE_ciede2000 as _ciede2000
from skimage.color import lab2rgb, rgb2lab

STEP = 8.0  # Lab units per grid cell: at most ~7 from a cell's centre to a colour in it
SAMPLE_SIDE = 64  # pictures are box-shrunk to this square before counting colours
QUANTIZE_COLORS = 24  # colours a picture is reduced to before its bins are counted
MAX_BINS = 24  # bins a signature keeps, largest first
MIN_SHARE = 0.004  # a bin with less of the picture than this is left out (a speck is still 0.4%)
MAX_COLORS = 5
# A query colour a picture lacks counts as this much of its asked share (below search's 2% floor for one colour).
MISSING = 0.01
HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")
_SHARE_SCALE = 65535
deltaE_ciede2000 = cast(
    Callable[[np.ndarray, np.ndarray], np.ndarray], _ciede2000
)  # scikit-image has no hints  # shares are stored as uint16 fractions


@dataclass(frozen=True)
class ColorTolerance:
    """How near a colour must be to count, in CIEDE2000: fully within `flat`, then falling as a Gaussian of
    width `sigma`, zero from `cutoff`."""

    # Flat over a grid cell's rounding, so a picture all ochre is all ochre to an ochre query; 12 takes in a
    # paint mixed a little differently and leaves out the next shade (ochre and orange are 16 apart)
    flat: float = 4.0
    sigma: float = 5.0
    cutoff: float = 12.0


DEFAULT_TOLERANCE = ColorTolerance()


@dataclass(frozen=True)
class ColorSignature:
    """The bins (indexes into `bin_centres()`) covering most of a picture, with their shares (0-1)."""

    bins: np.ndarray  # (n,) uint16
    shares: np.ndarray  # (n,) float32

    def pack(self) -> bytes:
        """Little-endian (bin uint16, share uint16 in 1/65535) pairs, largest share first."""
        pairs = np.empty((len(self.bins), 2), "<u2")
        pairs[:, 0] = self.bins
        pairs[:, 1] = np.round(np.clip(self.shares, 0, 1) * _SHARE_SCALE)
        return pairs.tobytes()

    @classmethod
    def unpack(cls, data: bytes) -> ColorSignature:
        pairs = np.frombuffer(data, "<u2").reshape(-1, 2)
        return cls(pairs[:, 0].astype(np.uint16), pairs[:, 1].astype(np.float32) / _SHARE_SCALE)

    def as_dict(self) -> dict[str, float]:
        """{bin: share} with the bin as a string (Elasticsearch's rank_features)."""
        return {str(int(b)): round(float(s), 4) for b, s in zip(self.bins, self.shares, strict=True)}


# --- the palette: cells of the Lab grid -------------------------------------------------------


GRID_FILE = Path(__file__).resolve().parent / "data" / "color_grid.npz"


@cache
def _grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(bin centres (K, 3) Lab, the lowest cell coordinate, a dense cell -> bin lookup table), as shipped in
    GRID_FILE: what `build_grid` makes (tests/matching/test_color_signature.py holds them equal), read in a
    millisecond where making it takes a sixth of a second of every import's start."""
    with np.load(GRID_FILE, allow_pickle=False) as shipped:
        return shipped["centres"], shipped["low"], shipped["table"].astype(np.int32)


def build_grid() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The grid `_grid` reads: the bins are the cells sRGB colours fall in; every other cell of the bounding
    box maps to its nearest bin, so any Lab value has a bin."""
    levels = np.arange(0, 256, 4, dtype=np.float64) / 255
    cube = np.stack(np.meshgrid(levels, levels, levels, indexing="ij"), -1).reshape(-1, 1, 3)
    cells = unique_rows(np.round(rgb2lab(cube).reshape(-1, 3) / STEP).astype(np.int32))
    low = cells.min(axis=0)
    shape = cells.max(axis=0) - low + 1
    every = np.stack(np.meshgrid(*(np.arange(n) for n in shape), indexing="ij"), -1).reshape(-1, 3) + low
    centres = (cells * STEP).astype(np.float32)
    # Squared distances as |a|^2 - 2ab + |b|^2, a product per chunk: every coordinate is a whole multiple of
    # STEP under 200, so each term is an integer under 2^24, exact in float32, and the nearest bin (the first,
    # on ties) is the one a difference per pair finds, without its (cells x bins x 3) temporaries.
    norms = (centres**2).sum(1)
    nearest = np.empty(len(every), np.int32)
    for start in range(0, len(every), 2048):
        part = every[start : start + 2048].astype(np.float32) * STEP
        distances = (part**2).sum(1)[:, None] - 2 * (part @ centres.T) + norms[None]
        nearest[start : start + 2048] = distances.argmin(1)
    return centres, low, nearest.reshape(tuple(shape))


def unique_rows(cells: np.ndarray) -> np.ndarray:
    """np.unique(cells, axis=0) for rows of small integers, each packed into one number (several
    times faster): the rows are packed most significant column first, so the order is the same."""
    low = cells.min(axis=0)
    span = cells.max(axis=0) - low + 1
    packed = ((cells[:, 0] - low[0]).astype(np.int64) * span[1] + (cells[:, 1] - low[1])) * span[2] + (
        cells[:, 2] - low[2]
    )
    found = np.unique(packed)
    rows = np.stack([found // (span[1] * span[2]), found // span[2] % span[1], found % span[2]], 1)
    return np.asarray(rows + low, dtype=cells.dtype)


def bin_centres() -> np.ndarray:
    """The palette: (K, 3) float32 CIELAB centres of the bins."""
    return _grid()[0]


def bins_of(lab: np.ndarray) -> np.ndarray:
    """The bin of each (N, 3) Lab value."""
    _, low, table = _grid()
    cells = np.round(lab / STEP).astype(np.int32) - low
    cells = np.clip(cells, 0, np.array(table.shape) - 1)
    return np.asarray(table[cells[:, 0], cells[:, 1], cells[:, 2]])


# --- colours ------------------------------------------------------------------------------------


def parse_hex(value: str) -> str:
    """'#1a2b3c', '1A2B3C' -> '1a2b3c'; ValueError for anything else."""
    found = HEX.match(value.strip())
    if found is None:
        raise ValueError(f"{value!r} is not a colour: give six hexadecimal digits, as 1a2b3c or #1a2b3c.")
    return found.group(1).lower()


def rgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """(N, 3) sRGB 0-255 -> (N, 3) CIELAB (D65)."""
    return np.asarray(rgb2lab(np.asarray(rgb, np.float64).reshape(-1, 1, 3) / 255)).reshape(-1, 3)


def hex_to_lab(value: str) -> np.ndarray:
    digits = parse_hex(value)
    return np.asarray(rgb_to_lab(np.array([[int(digits[i : i + 2], 16) for i in (0, 2, 4)]]))[0])


def lab_to_rgb(lab: np.ndarray) -> tuple[int, int, int]:
    rgb = np.clip(lab2rgb(np.asarray(lab, np.float64).reshape(1, 1, 3)).reshape(3), 0, 1)
    r, g, b = (round(float(v) * 255) for v in rgb)
    return r, g, b


def lab_to_hex(lab: np.ndarray) -> str:
    return "{:02x}{:02x}{:02x}".format(*lab_to_rgb(lab))


# --- signatures -----------------------------------------------------------------------------------


def signature(rgb: np.ndarray) -> ColorSignature:
    """The colour signature of an (H, W, 3) uint8 sRGB picture."""
    return of_sample(sample(rgb))


def sample(rgb: np.ndarray) -> Image.Image:
    """The pixels a signature counts: an (H, W, 3) uint8 sRGB picture box-shrunk to SAMPLE_SIDE square."""
    return Image.fromarray(np.ascontiguousarray(rgb)).resize((SAMPLE_SIDE,) * 2, Image.Resampling.BOX)


def of_sample(small: Image.Image) -> ColorSignature:
    """The colour signature from a picture's `sample` (the palette of the item page counts the same one)."""
    # Grain and gradients spread a photo over hundreds of bins: its QUANTIZE_COLORS median-cut colours,
    # each with the pixels it stands for, keep the whole picture within MAX_BINS bins.
    quantized = small.quantize(colors=QUANTIZE_COLORS, method=Image.Quantize.MEDIANCUT)
    palette = quantized.getpalette()
    assert palette is not None  # a quantized image is a palette image
    lut = np.array(palette[: QUANTIZE_COLORS * 3], np.uint8).reshape(-1, 3)
    pixels = np.bincount(np.asarray(quantized).ravel(), minlength=len(lut))[: len(lut)]
    counts = np.bincount(bins_of(rgb_to_lab(lut)), weights=pixels, minlength=len(bin_centres()))
    shares = counts / counts.sum()
    order = np.argsort(-shares, kind="stable")[:MAX_BINS]
    order = order[shares[order] >= MIN_SHARE]
    return ColorSignature(order.astype(np.uint16), shares[order].astype(np.float32))


def of_image(image: Image.Image) -> ColorSignature:
    """The colour signature of a decoded picture (any mode)."""
    return signature(np.asarray(image.convert("RGB")))


def kernel(labs: Sequence[np.ndarray], tolerance: ColorTolerance = DEFAULT_TOLERANCE) -> np.ndarray:
    """(Q, K) float32: how near each query colour is to each bin, 1 on the colour, 0 from the cutoff."""
    centres = bin_centres().astype(np.float64)
    rows = []
    for lab in labs:
        distance = deltaE_ciede2000(np.broadcast_to(np.asarray(lab, np.float64), centres.shape), centres)
        near = np.exp(-((np.maximum(0.0, distance - tolerance.flat) / tolerance.sigma) ** 2))
        rows.append(np.where(distance < tolerance.cutoff, near, 0.0))
    return np.array(rows, np.float32).reshape(len(labs), len(centres))


def normalised(weights: Sequence[float]) -> np.ndarray:
    total = float(sum(weights))
    return np.asarray(weights, np.float64) / total if total > 0 else np.full(len(weights), 1 / max(1, len(weights)))


def fulfilment(near_shares: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """(Q, ...) shares near each query colour -> how much of each colour's asked share is there, MISSING to 1."""
    share = normalised(weights).reshape((-1,) + (1,) * (np.ndim(near_shares) - 1))
    return np.asarray(np.clip(near_shares / share, MISSING, 1.0))


def combined(near_shares: np.ndarray, weights: Sequence[float]) -> np.ndarray:
    """0-1 scores from (Q, ...) shares near each query colour: the weighted geometric mean of `fulfilment`.

    One colour: the share of the picture near it. Several: a picture must hold every colour to score well
    (a product, where a sum of min(weight, share) gave a picture all navy 70 of 100 for navy 70 / ochre 30).
    """
    share = normalised(weights).reshape((-1,) + (1,) * (np.ndim(near_shares) - 1))
    return np.asarray(np.exp((share * np.log(fulfilment(near_shares, weights))).sum(0)))


def near_shares(sig: ColorSignature, near: np.ndarray) -> np.ndarray:
    """(Q,) the share of the picture near each query colour (a kernel row each)."""
    return np.asarray(near[:, sig.bins.astype(np.intp)] @ sig.shares.astype(np.float64))


def score(sig: ColorSignature, near: np.ndarray, weights: Sequence[float]) -> float:
    """0-1: how fully the picture holds each query colour in its asked share (see `combined`)."""
    return float(combined(near_shares(sig, near), weights))


def dominant(
    sig_bins: np.ndarray, shares: np.ndarray, limit: int = 8, merge: float = 12.0
) -> list[tuple[np.ndarray, float]]:
    """The dominant colours of a (summed) histogram: bins merged greedily, largest first, while within
    `merge` CIEDE2000 of a kept colour; each as (mean Lab weighted by share, total share)."""
    centres = bin_centres().astype(np.float64)
    order = np.argsort(-shares, kind="stable")
    order = order[shares[order] > 0]
    labs = centres[np.asarray(sig_bins)[order].astype(np.intp)]
    weights = shares[order].astype(np.float64)
    owner = np.full(len(order), -1)
    count = 0
    for i in range(len(order)):  # each bin no earlier colour took seeds one, and takes every later bin near it
        if owner[i] >= 0:
            continue
        owner[i] = count
        rest = np.flatnonzero(owner[i + 1 :] < 0) + i + 1
        if len(rest):
            near = deltaE_ciede2000(np.broadcast_to(labs[i], labs[rest].shape), labs[rest]) < merge
            owner[rest[near]] = count
        count += 1
    found = []
    for k in range(count):
        members = np.flatnonzero(owner == k)
        total = float(weights[members].sum())
        found.append(((labs[members] * weights[members, None]).sum(0) / total, total))
    found.sort(key=lambda entry: -entry[1])
    return found[:limit]


# --- many signatures ------------------------------------------------------------------------------


class ColorPostings:
    """Many signatures as inverted lists: per bin, the rows holding it and their shares."""

    def __init__(self, ids: np.ndarray, signatures: Sequence[ColorSignature]) -> None:
        self.ids = np.asarray(ids, np.int64)
        lengths = np.array([len(sig.bins) for sig in signatures], np.int64)
        rows = np.repeat(np.arange(len(signatures), dtype=np.int32), lengths)
        bins = np.concatenate([sig.bins for sig in signatures]) if signatures else np.empty(0, np.uint16)
        shares = np.concatenate([sig.shares for sig in signatures]) if signatures else np.empty(0, np.float32)
        self._set(rows, bins, shares)

    @classmethod
    def from_arrays(cls, ids: np.ndarray, rows: np.ndarray, bins: np.ndarray, shares: np.ndarray) -> ColorPostings:
        """From flat (row, bin, share) entries (what a bench generates)."""
        postings = cls.__new__(cls)
        postings.ids = np.asarray(ids, np.int64)
        postings._set(rows.astype(np.int32), bins.astype(np.uint16), shares.astype(np.float32))
        return postings

    def _set(self, rows: np.ndarray, bins: np.ndarray, shares: np.ndarray) -> None:
        order = np.argsort(bins, kind="stable")
        self.rows, self.shares = rows[order], shares[order]
        self._scratch = threading.local()
        self.offsets = np.searchsorted(bins[order], np.arange(len(bin_centres()) + 1))

    def __len__(self) -> int:
        return len(self.ids)

    def _near(self, row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, share x nearness) of the entries in the bins a kernel row touches."""
        touched = np.flatnonzero(row)
        spans = [slice(self.offsets[b], self.offsets[b + 1]) for b in touched]
        rows = np.concatenate([self.rows[span] for span in spans]) if spans else np.empty(0, np.int32)
        values = np.concatenate([self.shares[span] for span in spans]) if spans else np.empty(0, np.float32)
        values *= np.repeat(row[touched], np.diff(self.offsets)[touched])
        return rows, values

    def _buffers(self) -> tuple[np.ndarray, np.ndarray]:
        """(total zeroed, part all zero): float32 scratch of one value a picture, kept per thread, as new
        arrays of a million values cost their page faults again on every query."""
        local = self._scratch
        if getattr(local, "part", None) is None or len(local.part) != len(self.ids):
            local.total, local.part = np.zeros(len(self.ids), np.float32), np.zeros(len(self.ids), np.float32)
        local.total.fill(0)
        return local.total, local.part

    def _weighted_logs(self, near: np.ndarray, weights: Sequence[float]) -> tuple[np.ndarray, float]:
        """(sum over colours of w log(clip(share near it, MISSING w, w)) for every picture, in this thread's
        scratch; the constant that makes it log(score)) (see `combined`). Whole-array passes, in order through
        memory: faster than gathering and scattering the pictures near each colour, as a million floats fit in
        the cache and random reads do not."""
        share = normalised(weights).astype(np.float32)
        total, part = self._buffers()
        try:
            for q, row in enumerate(near):
                np.add.at(part, *self._near(row))  # float32 in place: about twice as fast as bincount's float64
                np.clip(part, MISSING * share[q], share[q], out=part)
                np.log(part, out=part)
                part *= share[q]
                total += part
                part.fill(0)
        except BaseException:
            part.fill(0)  # the next query needs it all zero
            raise
        return total, -float((share * np.log(share)).sum())

    def _ranked(self, near: np.ndarray, weights: Sequence[float]) -> tuple[np.ndarray, float]:
        """(a value per picture ranking as its score, the constant to add to it before exp, or nan when the value
        is the score itself): for one colour the share near it, summed in place; else `_weighted_logs`."""
        if len(near) != 1:
            return self._weighted_logs(near, weights)
        total, _ = self._buffers()
        np.add.at(total, *self._near(near[0]))
        return total, float("nan")

    def scores(self, near: np.ndarray, weights: Sequence[float]) -> np.ndarray:
        """(N,) float32 scores 0-1 (see `combined`), for every picture."""
        found, offset = self._ranked(near, weights)
        return np.clip(found, MISSING, 1) if np.isnan(offset) else np.asarray(np.exp(found + offset))

    def top(
        self, near: np.ndarray, weights: Sequence[float], limit: int, min_score: float = 0.0
    ) -> list[tuple[int, float]]:
        """The `limit` best (id, score) above `min_score`, best first."""
        found, offset = self._ranked(near, weights)
        low = max(min_score, MISSING)
        candidates = np.flatnonzero(found > (low if np.isnan(offset) else np.log(low) - offset))
        if len(candidates) > limit:
            candidates = candidates[np.argpartition(-found[candidates], limit - 1)[:limit]]
        candidates = candidates[np.lexsort((self.ids[candidates], -found[candidates]))]
        values = found[candidates].astype(np.float64)
        values = np.minimum(values, 1) if np.isnan(offset) else np.exp(values + offset)
        return list(zip(self.ids[candidates].tolist(), values.tolist(), strict=True))


def write_grid() -> None:
    """Make GRID_FILE again (after a change of STEP, or of scikit-image's Lab conversion):
    `python -c "import matching.algorithms.color_signature as c; c.write_grid()"`."""
    centres, low, table = build_grid()
    GRID_FILE.parent.mkdir(exist_ok=True)
    np.savez_compressed(GRID_FILE, centres=centres, low=low, table=table.astype(np.uint16))
