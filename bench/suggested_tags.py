"""Suggested tags: do words nobody typed find the right pictures? precision@5 and @10 per word.

    .venv/bin/python bench/suggested_tags.py [--emoji-package DIR] [--json FILE]

Every picture of bench/lookalike.py's emoji set (Noto drawings; see that script's docstring to
fetch the npm package) plus as many distractors (mammals, bugs, vegetables, tools, clothing,
instruments, sport) is imported through the real ingest path with a title that says nothing
("Picture 17"), into a fresh SQLite catalog. Then each word is searched through `search.service`
(the database backend: FTS5, suggested tags at the lowest weight) and a hit counts when its
Unicode subcategory is the word's. Beside it: ranking by the probability mass of the classes
whose WordNet terms hold the word (the classifier's full output, no search engine), and chance.

Calibration (catalog.suggestions.PUBLIC, a share of the model's belief, and LIFT, how many times the
word's mean over the catalog the picture must hold): the search is repeated with each candidate pair,
giving the mean P@5, and the share of all machine-word hits (every hit: titles say nothing) that are
right, over the six words. Then the pictures of subjects a catalog of art and nature may lack
(clothing, tools, instruments, sport, vehicles) are deleted and words naming those subjects are
searched: each pair's hits there are wrong by construction. LIFT 0 is the fixed threshold alone, as
public search used it before calibration.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

setup()

import numpy as np  # noqa: E402
from django.core.management import call_command  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench.lookalike import load  # noqa: E402
from catalog import ingest, suggestions  # noqa: E402
from catalog.models import CatalogImage, Status  # noqa: E402
from matching.embeddings.model import embed  # noqa: E402
from matching.embeddings.terms import class_terms  # noqa: E402
from matching.safety import imaging  # noqa: E402
from search import service  # noqa: E402
from search.query import SearchQuery  # noqa: E402

WORDS = {"bird": {"animal-bird"}, "fish": {"animal-marine"}, "fruit": {"food-fruit"}, "flower": {"plant-flower"},
         "building": {"place-building"}, "vehicle": {"transport-ground", "transport-air", "transport-water"}}  # fmt: skip
SUBJECTS = (*sorted(set().union(*WORDS.values())), "animal-mammal", "animal-bug", "food-vegetable", "tool",
            "clothing", "musical-instrument", "sport")  # fmt: skip
SETTINGS = [(public, lift) for lift in (0.0, 5.0, 10.0, 20.0) for public in (0.0, 0.05, 0.08, 0.1, 0.15, 0.2)]
ABSENT_SUBJECTS = {"tool", "clothing", "musical-instrument", "sport", "transport-ground", "transport-air",
                   "transport-water"}  # fmt: skip
ABSENT_WORDS = ("clothing", "garment", "brassiere", "shoe", "weapon", "rifle", "device", "instrument", "vehicle",
                "tool", "ball")  # fmt: skip


def precision(ranked: list[str], relevant: set[str], k: int) -> float:
    return sum(label in relevant for label in ranked[:k]) / k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emoji-package", type=Path, default=ROOT / "var" / "bench" / "package")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "suggested_tags.json")
    args = parser.parse_args()
    if not (args.emoji_package / "emoji.json").exists():
        sys.exit(f"No emoji package at {args.emoji_package}; see bench/lookalike.py's docstring to fetch it.")
    call_command("migrate", verbosity=0)
    pictures, labels, _ = load(args.emoji_package, SUBJECTS)
    label_of, masses = {}, []
    for number, (picture, label) in enumerate(tqdm(list(zip(pictures, labels, strict=True)), desc="import")):
        loaded = imaging.load_image(_png(picture))
        item = ingest.create_item(loaded, filename=f"picture-{number}.png", title=f"Picture {number}",
                                  status=Status.PUBLISHED)  # fmt: skip
        label_of[item.pk] = label
        masses.append(embed(picture).probabilities)
    masses = np.stack(masses)
    table = class_terms()
    rows = {}
    for word, relevant in WORDS.items():
        found = [label_of[hit.item.pk] for hit in service.search(SearchQuery(text=word, page_size=10)).hits]
        mass = masses[:, [word in words for words in table]].sum(axis=1)
        by_mass = [labels[i] for i in np.argsort(-mass, kind="stable")[:10]]
        chance = sum(label in relevant for label in labels) / len(labels)
        rows[word] = {"search P@5": precision(found, relevant, 5), "search P@10": precision(found, relevant, 10),
                      "hits": len(found), "mass P@5": precision(by_mass, relevant, 5),
                      "mass P@10": precision(by_mass, relevant, 10), "chance": chance}  # fmt: skip
    print(f"{len(pictures)} pictures, titles that say nothing; search = the database backend through search.service")
    print(f"{'word':10s} {'search P@5':>10s} {'P@10':>6s} {'mass P@5':>9s} {'P@10':>6s} {'chance':>7s}")
    for word, row in rows.items():
        print(f"{word:10s} {row['search P@5']:10.2f} {row['search P@10']:6.2f} {row['mass P@5']:9.2f} "
              f"{row['mass P@10']:6.2f} {row['chance']:7.3f}")  # fmt: skip
    mean = {key: float(np.mean([row[key] for row in rows.values()])) for key in next(iter(rows.values()))}
    print(f"{'mean':10s} {mean['search P@5']:10.2f} {mean['search P@10']:6.2f} {mean['mass P@5']:9.2f} "
          f"{mean['mass P@10']:6.2f} {mean['chance']:7.3f}")  # fmt: skip
    sweep = threshold_sweep(label_of)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"pictures": len(pictures), "words": rows, "mean": mean, "public": sweep,
                                     "chosen": [suggestions.PUBLIC, suggestions.LIFT]}, indent=2))  # fmt: skip


def reindex() -> None:
    call_command("update_index", "--skip-matching", "--skip-renditions", verbosity=0)


def threshold_sweep(label_of: dict[int, str]) -> dict:
    """For each (PUBLIC, LIFT): mean P@5 and P@10, the share of machine-word hits that are right, and the hits of
    words whose subject the catalog lacks (on the catalog without those subjects)."""
    chosen, sweep = (suggestions.PUBLIC, suggestions.LIFT), {}
    for public, lift in SETTINGS:
        suggestions.PUBLIC, suggestions.LIFT = public, lift
        reindex()
        right = total = 0
        p5, p10 = [], []
        for word, relevant in WORDS.items():
            found = [label_of[hit.item.pk] for hit in service.search(SearchQuery(text=word, page_size=500)).hits]
            right += sum(label in relevant for label in found)
            total += len(found)
            p5.append(precision(found, relevant, 5))
            p10.append(precision(found, relevant, 10))
        sweep[f"{public} x{lift:g}"] = {"public": public, "lift": lift, "P@5": float(np.mean(p5)),
                                        "P@10": float(np.mean(p10)), "hits": total,
                                        "hits right": right / total if total else 1.0}  # fmt: skip
    CatalogImage.objects.filter(pk__in=[pk for pk, label in label_of.items() if label in ABSENT_SUBJECTS]).delete()
    for public, lift in SETTINGS:
        suggestions.PUBLIC, suggestions.LIFT = public, lift
        reindex()
        absent = {word: service.search(SearchQuery(text=word, page_size=500)).total for word in ABSENT_WORDS}
        sweep[f"{public} x{lift:g}"]["absent hits"] = sum(absent.values())
        sweep[f"{public} x{lift:g}"]["absent by word"] = absent
    suggestions.PUBLIC, suggestions.LIFT = chosen
    print(f"\ncalibration sweep (chosen: PUBLIC {chosen[0]}, LIFT {chosen[1]:g}); absent = hits of "
          f"{', '.join(ABSENT_WORDS)} without those subjects")  # fmt: skip
    print(
        f"{'public':>6s} {'lift':>5s} {'P@5':>5s} {'P@10':>5s} {'hits':>5s} {'right':>6s} {'absent':>6s}  absent words"
    )
    for row in sweep.values():
        mark = "  <- chosen" if (row["public"], row["lift"]) == chosen else ""
        words = ", ".join(f"{word} {n}" for word, n in row["absent by word"].items() if n)
        print(f"{row['public']:6.2f} {row['lift']:5g} {row['P@5']:5.2f} {row['P@10']:5.2f} {row['hits']:5d} "
              f"{row['hits right']:6.3f} {row['absent hits']:6d}  {words}{mark}")  # fmt: skip
    return sweep


def _png(picture) -> bytes:
    import io

    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


if __name__ == "__main__":
    main()
