"""The shipped class -> words table and how suggestions are weighed from the classifier's output."""

import numpy as np

from matching.embeddings import terms


def test_every_class_has_its_words_with_the_broader_ones_after_it():
    table = terms.class_terms()
    assert len(table) == 1000
    goldfinch, tabby, locomotive = table[11], table[281], table[820]
    assert goldfinch[0] == "goldfinch" and goldfinch.index("finch") < goldfinch.index("bird")
    assert {"cat", "feline", "mammal", "animal"} <= set(tabby)
    assert "locomotive" in locomotive and "vehicle" in locomotive
    everything = {word for words in table for word in words}
    assert not everything & {"entity", "object", "whole", "artifact", "organism"}  # too general to help
    assert "truck" not in table[948]  # apples are "garden truck" in WordNet; multi-word lemmas are left out


def test_a_word_gathers_the_probability_of_every_class_it_names():
    found = dict(terms.suggest([(11, 0.5), (12, 0.3), (281, 0.01), (286, 0.001)]))  # goldfinch, linnet, tabby, cougar
    assert found["finch"] == found["bird"] == 0.8
    assert found["goldfinch"] == 0.5
    assert found["tabby"] == 0.01 and found["cat"] == 0.011  # faint, and searched after surer words
    assert "cougar" not in found  # below MIN_CONFIDENCE


def test_the_full_output_counts_every_class_with_real_weight():
    probabilities = np.full(1000, 0.001 / 998, np.float32)
    probabilities[11], probabilities[10] = 0.6, 0.399  # mostly a goldfinch, partly a brambling
    found = dict(terms.suggest_from_probabilities(probabilities))
    assert found["finch"] == found["bird"] == 0.999
    assert found["goldfinch"] == 0.6 and found["brambling"] == 0.399
    assert "cat" not in found
    assert len(found) <= terms.MAX_TERMS
