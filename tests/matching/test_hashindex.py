import numpy as np

from matching.algorithms.hashindex import GUARANTEED_RADIUS, MERGE_AT, HashIndex

WINDOWS = 3


def random_index(count: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    keys = rng.integers(0, 2**63, (count, WINDOWS), dtype=np.int64).astype(np.uint64) << np.uint64(1)
    hashes = rng.integers(0, 2**63, (count, WINDOWS, 4), dtype=np.int64).astype(np.uint64)
    valid = rng.random((count, WINDOWS)) > 0.1
    ids = np.arange(count, dtype=np.int64) * 3 + 10
    index = HashIndex(WINDOWS)
    index.build(ids, keys, hashes, valid)
    return index, ids, keys, hashes, valid, rng


def near(key: np.uint64, flips: int, rng) -> np.uint64:
    for bit in rng.choice(64, flips, replace=False):
        key ^= np.uint64(1) << np.uint64(int(bit))
    return key


def brute_force(queries, ids, keys, valid, radius):
    distance = np.bitwise_count(queries[:, None, None] ^ keys[None]).astype(int)
    q, slot, window = np.nonzero((distance <= radius) & valid[None])
    return set(zip(q.tolist(), ids[slot].tolist(), window.tolist(), strict=True))


def found(candidates):
    return set(zip(candidates.query.tolist(), candidates.image_ids.tolist(), candidates.window.tolist(), strict=True))


def test_it_finds_exactly_the_rows_a_full_scan_finds_within_the_guaranteed_radius():
    index, ids, keys, _hashes, valid, rng = random_index(20_000)
    queries = np.array([near(keys[i, i % WINDOWS], i % (GUARANTEED_RADIUS + 1), rng) for i in range(60)])
    assert found(index.search(queries, GUARANTEED_RADIUS)) == brute_force(queries, ids, keys, valid, GUARANTEED_RADIUS)


def test_candidates_carry_the_rows_hashes_and_distances():
    index, ids, keys, hashes, valid, _rng = random_index(500)
    slot = int(np.flatnonzero(valid[:, 0])[0])
    result = index.search(np.array([keys[slot, 0]]), 0)
    position = list(result.image_ids).index(ids[slot])
    assert result.key_distance[position] == 0
    assert np.array_equal(result.hashes[position], hashes[slot, 0])


def test_flat_windows_are_never_candidates():
    index, ids, keys, _hashes, valid, _rng = random_index(500)
    slot, window = map(int, np.argwhere(~valid)[0])
    result = index.search(np.array([keys[slot, window]]), 0)
    assert (ids[slot], window) not in set(zip(result.image_ids.tolist(), result.window.tolist(), strict=True))


def test_added_images_are_found_before_and_after_merging():
    index, _ids, keys, hashes, _valid, rng = random_index(1000)
    new_key = np.array([near(keys[0, 0], 20, rng)] * WINDOWS, dtype=np.uint64)
    index.add(99_999, new_key, hashes[0], np.ones(WINDOWS, bool))
    assert 99_999 in index and len(index) == 1001
    assert 99_999 in index.search(new_key[:1], 0).image_ids
    index.merge()
    assert 99_999 in index.search(new_key[:1], 0).image_ids and len(index) == 1001


def test_removed_images_are_gone_from_tables_and_delta():
    index, ids, keys, hashes, valid, _rng = random_index(1000)
    target = int(ids[5])
    assert index.remove(target)
    assert target not in index and len(index) == 999
    assert target not in index.search(keys[5], 0).image_ids
    index.add(7, keys[6], hashes[6], valid[6])
    index.remove(7)
    assert 7 not in index.search(keys[6], 0).image_ids
    assert not index.remove(123_456_789)
    index.merge()
    assert len(index) == 999 and target not in index and 7 not in index


def test_re_adding_replaces_the_old_hashes():
    index, ids, keys, hashes, valid, _rng = random_index(100)
    fresh = keys[50]
    index.add(int(ids[0]), fresh, hashes[50], valid[50])
    assert len(index) == 100
    assert int(ids[0]) not in index.search(keys[0][valid[0]], 0).image_ids


def test_an_empty_index_finds_nothing_and_a_single_image_is_found():
    index, *_ = random_index(0)
    assert len(index.search(np.array([np.uint64(5)]), 10).query) == 0 and len(index) == 0
    index.add(1, np.array([5, 6, 7], dtype=np.uint64), np.zeros((3, 4), np.uint64), np.ones(3, bool))
    assert index.search(np.array([np.uint64(5)]), 0).image_ids.tolist() == [1]


def test_the_delta_merges_itself_when_it_grows(monkeypatch):
    import matching.algorithms.hashindex as module

    monkeypatch.setattr(module, "MERGE_AT", 30)
    index, _ids, keys, hashes, valid, _rng = random_index(50)
    for number in range(12):
        index.add(10_000 + number, keys[number], hashes[number], valid[number])
    assert len(index._delta) < 10 and len(index) == 62
    assert MERGE_AT > 30
