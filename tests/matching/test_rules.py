"""The copy decision's rules and thresholds, on real fingerprints of generated pictures (no database)."""

import dataclasses

import pytest

from matching.algorithms.fingerprint import fingerprint
from matching.providers.rules import REFUSALS, Candidate, decide
from matching.providers.thresholds import Thresholds
from matching.safety.imaging import load_image
from tests.images import image_bytes


@pytest.fixture(scope="module")
def query():
    return fingerprint(load_image(image_bytes("JPEG", 640, 480, 5)), for_query=True)


def test_thresholds_come_from_the_options_a_provider_is_given():
    limits = Thresholds.from_options({"ACCEPT_DISTANCE": 20, "MIN_CORRELATION": 0.7, "URLS": ["http://es.test"]})
    assert limits.accept_distance == 20 and limits.min_correlation == 0.7
    assert limits.verify_distance == Thresholds().verify_distance  # the rest keep their defaults
    with pytest.raises(dataclasses.FrozenInstanceError):
        limits.accept_distance = 1  # type: ignore[misc]


def test_a_near_hash_candidate_is_a_copy_without_its_features(query):
    found = decide(Candidate(7, variant=0, distance=10), query, Thresholds())
    assert found is not None and found.image_id == 7 and found.details["method"] == "hash"
    assert found.score == pytest.approx(100 * (1 - 10 / 128) * 1.0, abs=0.1)


def test_a_doubtful_candidate_with_nothing_to_verify_with_is_no_copy(query):
    assert decide(Candidate(7, distance=10), query, Thresholds(accept_distance=5)) is None
    assert decide(Candidate(7, distance=10, fine=True), query, Thresholds()) is None  # fine detail: never on hashes
    assert decide(Candidate(7, distance=None), query, Thresholds()) is None  # found by its embedding


def test_every_refusal_says_why():
    assert all(rule.__doc__ and rule.__doc__.strip() for rule in REFUSALS)
    assert len({rule.__name__ for rule in REFUSALS}) == len(REFUSALS)
