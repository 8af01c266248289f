"""The hashes of turned and mirrored windows, derived from the upright ones (what find_duplicates looks up)."""

import numpy as np
import pytest

from matching.algorithms.fingerprint import HASH_SIDE, KEY_SIDE, VARIANTS, hamming, window_hashes
from matching.duplicates import oriented
from tests.images import picture


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_derived_hashes_are_within_a_few_bits_of_the_turned_windows_own(seed):
    gray = np.asarray(picture(640, 480, seed).convert("L"))
    hashes, keys, _valid = window_hashes(gray, VARIANTS[:8])  # the eight orientations, hashed for real
    for orientation in range(8):
        derived = oriented(hashes[0], HASH_SIDE, orientation)
        assert hamming(derived, hashes[orientation]).max() <= 16  # of 256; unrelated windows: about 128
        assert np.bitwise_count(oriented(keys[0], KEY_SIDE, orientation) ^ keys[orientation]).max() <= 10
    assert (oriented(hashes[0], HASH_SIDE, 7) == hashes[7]).all()  # a transpose is exact
    assert hamming(oriented(hashes[0], HASH_SIDE, 2), hashes[0]).min() > 60  # and a turn really differs
