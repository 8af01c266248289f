"""The colour signature and its ranking: perceptual nearness, shares, weights."""

from __future__ import annotations

import numpy as np
import pytest

from matching.algorithms import color_signature
from matching.algorithms.color_signature import (
    MISSING,
    ColorPostings,
    ColorSignature,
    dominant,
    hex_to_lab,
    kernel,
    lab_to_hex,
    parse_hex,
    score,
    signature,
)
from tests.images import picture

NAVY, ROYAL, OCHRE = "000080", "4169e1", "cc7722"


def painted(*parts: tuple[str, float], background: str = "f4f4f0", side: int = 200) -> np.ndarray:
    """A picture painted in bands: each colour covering its share of the area, the rest background."""
    rgb = np.empty((side, side, 3), np.uint8)
    rgb[:] = [int(background[i : i + 2], 16) for i in (0, 2, 4)]
    row = 0
    for color, share in parts:
        rows = round(side * share)
        rgb[row : row + rows] = [int(color[i : i + 2], 16) for i in (0, 2, 4)]
        row += rows
    return rgb


def test_a_navy_query_prefers_navy_over_royal_blue():
    near = kernel([hex_to_lab(NAVY)])
    navy, royal = signature(painted((NAVY, 0.6))), signature(painted((ROYAL, 0.6)))
    assert score(navy, near, [1]) > 0.4
    assert score(royal, near, [1]) < 0.05


def test_a_picture_forty_percent_ochre_beats_an_ochre_speck():
    near = kernel([hex_to_lab(OCHRE)])
    big, speck = signature(painted((OCHRE, 0.4))), signature(painted((OCHRE, 0.01)))
    assert score(big, near, [1]) > 0.3 > score(speck, near, [1]) > 0


def test_weights_prefer_the_asked_proportions():
    near = kernel([hex_to_lab(NAVY), hex_to_lab(OCHRE)])
    mostly_navy = signature(painted((NAVY, 0.7), (OCHRE, 0.3)))
    mostly_ochre = signature(painted((NAVY, 0.3), (OCHRE, 0.7)))
    assert score(mostly_navy, near, [70, 30]) > score(mostly_ochre, near, [70, 30])
    assert score(mostly_ochre, near, [30, 70]) > score(mostly_navy, near, [30, 70])


def test_a_signature_survives_packing():
    sig = signature(np.asarray(picture(seed=3)))
    again = ColorSignature.unpack(sig.pack())
    assert list(again.bins) == list(sig.bins)
    assert np.allclose(again.shares, sig.shares, atol=1e-4)
    assert 0.5 < float(sig.shares.sum()) <= 1.0001


def test_postings_rank_as_scoring_one_by_one():
    sigs = [signature(painted((NAVY, share))) for share in (0.1, 0.5, 0.3)] + [signature(painted((ROYAL, 0.9)))]
    postings = ColorPostings(np.array([10, 11, 12, 13]), sigs)
    near = kernel([hex_to_lab(NAVY)])
    ranked = postings.top(near, [1], limit=10, min_score=0.01)
    assert [pk for pk, _ in ranked] == [11, 12, 10]
    assert ranked[0][1] == pytest.approx(score(sigs[1], near, [1]), abs=1e-6)


def test_dominant_colours_come_back_near_what_was_painted():
    sig = signature(painted((NAVY, 0.5), (OCHRE, 0.3)))
    colours = dominant(sig.bins, sig.shares, limit=3)
    assert len(colours) == 3
    first = colours[0][0]
    assert np.linalg.norm(first - hex_to_lab(NAVY)) < 10
    assert colours[0][1] == pytest.approx(0.5, abs=0.05)
    assert len(lab_to_hex(first)) == 6


@pytest.mark.parametrize("bad", ["12345", "#12345g", "navy", "", "#1234567"])
def test_a_malformed_hex_is_refused(bad):
    with pytest.raises(ValueError, match="not a colour"):
        parse_hex(bad)


def test_every_lab_cell_maps_to_its_nearest_bin_the_first_on_ties():
    """The palette's lookup table, checked against the plain definition: a difference per cell and bin."""
    centres, low, table = color_signature._grid()
    cells = np.stack(np.meshgrid(*(np.arange(n) for n in table.shape), indexing="ij"), -1).reshape(-1, 3) + low
    points = cells.astype(np.float64) * color_signature.STEP
    rows = np.random.default_rng(3).choice(len(points), 600, replace=False)
    expected = (((points[rows, None, :] - centres[None].astype(np.float64)) ** 2).sum(-1)).argmin(1)
    assert np.array_equal(table.reshape(-1)[rows], expected)
    assert np.array_equal(centres, np.unique(np.round(centres / color_signature.STEP), axis=0) * color_signature.STEP)


def test_the_shipped_grid_is_the_one_the_code_makes():
    """color_grid.npz is read instead of made at every start: it must be what build_grid makes today (after
    a change of STEP or of scikit-image, make it again with color_signature.write_grid)."""
    shipped, made = color_signature._grid(), color_signature.build_grid()
    for read, expected in zip(shipped, made, strict=True):
        assert read.dtype == expected.dtype and np.array_equal(read, expected)


def test_a_pair_of_colours_wants_both_not_all_of_the_heavier_one():
    """Navy 70 / ochre 30: a picture with some of each beats one that is all navy and has no ochre."""
    near = kernel([hex_to_lab(NAVY), hex_to_lab(OCHRE)])
    all_navy = signature(painted((NAVY, 0.9)))
    both = signature(painted((NAVY, 0.45), (OCHRE, 0.2)))
    assert score(both, near, [70, 30]) > 0.5 > score(all_navy, near, [70, 30])
    assert score(both, near, [70, 30]) > score(all_navy, near, [70, 30]) + 0.2


def test_one_colour_scores_the_share_of_the_picture_near_it():
    near = kernel([hex_to_lab(OCHRE)])
    assert score(signature(painted((OCHRE, 0.4))), near, [100]) == pytest.approx(0.4, abs=0.03)


def test_the_next_shade_counts_for_nothing():
    """Ochre and orange (ffa500) are 16 CIEDE2000 apart: an ochre query takes nothing from an orange picture."""
    near = kernel([hex_to_lab(OCHRE)])
    assert score(signature(painted(("ffa500", 0.8))), near, [100]) == pytest.approx(MISSING)
    assert score(signature(painted((OCHRE, 0.8), background="ffa500")), near, [100]) > 0.7


def test_postings_rank_weighted_colours_as_scoring_one_by_one():
    sigs = [signature(painted((NAVY, n), (OCHRE, o))) for n, o in ((0.9, 0.0), (0.45, 0.2), (0.2, 0.6), (0.6, 0.3))]
    postings = ColorPostings(np.array([1, 2, 3, 4]), sigs)
    near = kernel([hex_to_lab(NAVY), hex_to_lab(OCHRE)])
    ranked = postings.top(near, [70, 30], limit=10, min_score=0.02)
    expected = sorted(((pk, score(sig, near, [70, 30])) for pk, sig in zip([1, 2, 3, 4], sigs, strict=True)),
                      key=lambda pair: -pair[1])  # fmt: skip
    assert [pk for pk, _ in ranked] == [pk for pk, _ in expected] == [4, 2, 3, 1]
    assert [value for _, value in ranked] == pytest.approx([value for _, value in expected], abs=1e-4)


def test_a_query_leaves_nothing_behind_for_the_next():
    """The postings keep their working arrays between queries: each answer is what fresh postings give."""
    sigs = [signature(painted((NAVY, n), (OCHRE, o))) for n, o in ((0.9, 0.0), (0.45, 0.2), (0.2, 0.6))]
    kept = ColorPostings(np.array([1, 2, 3]), sigs)
    asked = [([NAVY, OCHRE], [50, 50]), ([OCHRE], [100]), ([NAVY, OCHRE, ROYAL], [60, 30, 10]), ([NAVY], [100])]
    for colours, weights in asked * 2:
        near = kernel([hex_to_lab(c) for c in colours])
        fresh = ColorPostings(np.array([1, 2, 3]), sigs)
        assert kept.top(near, weights, limit=10, min_score=0.0) == fresh.top(near, weights, limit=10, min_score=0.0)
