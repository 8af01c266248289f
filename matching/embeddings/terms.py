"""Suggested tags: the words a picture's likely ImageNet classes go by, with their WordNet hypernyms.

A goldfinch is also a finch and a bird; a tabby is a cat, a feline and a mammal. The class -> words
table (`data/imagenet_terms.tsv`) was derived once from WordNet 3.0 and ships with the code (see
`data/make_imagenet_terms.py`). A word's confidence is the probability mass of the classes it
names: a picture split between "goldfinch" (0.5) and "house finch" (0.3) is a "finch" at 0.8.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import numpy as np

TABLE = Path(__file__).resolve().parent / "data" / "imagenet_terms.tsv"
# A word below this share of the probability is not suggested; at most MAX_TERMS words per picture,
# most confident first. Faint words still help: search ranks suggestions by their confidence, so they
# only fill places nothing surer would take (bench/suggested_tags.py: 0.02 and 30 words found 0.60 of
# the right pictures in the top five; 0.002 and 60 words, 0.77).
MIN_CONFIDENCE = 0.002
MAX_TERMS = 60


@functools.cache
def class_terms() -> tuple[tuple[str, ...], ...]:
    """For each of the 1000 classes, in the classifier's order, its words (most specific first)."""
    rows = [line.split("\t") for line in TABLE.read_text().splitlines() if line and not line.startswith("#")]
    if [int(row[0]) for row in rows] != list(range(1000)):
        raise ValueError(f"{TABLE} must list the 1000 ImageNet classes in order.")
    return tuple(tuple(row[2].split()) for row in rows)


@functools.cache
def class_counts() -> dict[str, int]:
    """How many of the 1000 classes each word names ("device" a hundred and thirty, "walrus" one)."""
    counts: dict[str, int] = defaultdict(int)
    for words in class_terms():
        for word in words:
            counts[word] += 1
    return dict(counts)


def prior(word: str) -> float:
    """A word's share of the classes: its expected confidence on a picture the model knows nothing about."""
    return max(1, class_counts().get(word, 0)) / len(class_terms())


def suggest(class_probabilities: Iterable[tuple[int, float]]) -> tuple[tuple[str, float], ...]:
    """(word, confidence) for the words whose classes hold at least MIN_CONFIDENCE of the probability."""
    table = class_terms()
    mass: dict[str, float] = defaultdict(float)
    for index, probability in class_probabilities:
        for word in table[index]:
            mass[word] += probability
    kept = sorted(((word, min(1.0, p)) for word, p in mass.items() if p >= MIN_CONFIDENCE), key=lambda t: -t[1])
    return tuple((word, round(confidence, 3)) for word, confidence in kept[:MAX_TERMS])


def suggest_from_probabilities(probabilities: np.ndarray) -> tuple[tuple[str, float], ...]:
    """Suggested words from the classifier's full output (every class with any real weight counts)."""
    likely = np.flatnonzero(probabilities >= 1e-3)
    return suggest((int(index), float(probabilities[index])) for index in likely)
