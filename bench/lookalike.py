"""Look-alike quality on pictures grouped by subject: precision@5 and @10, side by side in one run.

    .venv/bin/python bench/lookalike.py [--emoji-package DIR] [--json FILE]

The labelled set: Google's Noto emoji drawings from the npm package `emoji-datasource-google`
(MIT data, Apache-2.0 images), grouped by their Unicode subcategory (mammals, birds, fruit,
vegetables, flowers, ground transport, air transport, buildings, tools, clothing, musical
instruments, sport). Fetch it once with the npm client:

    mkdir -p var/bench && (cd var/bench && npm pack emoji-datasource-google@16.0.0 && \\
        tar xzf emoji-datasource-google-16.0.0.tgz)

Every picture queries all the others (leave one out); a hit is relevant when it has the query's
subcategory. Compared: the model's embedding (cosine, what the look-alike index ranks by), a
colour histogram (8x8x8 RGB, cosine) and chance. Also printed: how often a same-subject and a
different-subject pair clear each similarity floor, which is how SIMILARITY_FLOOR was chosen.
Tux Paint's stamps are kept out of this on purpose: they are the project's independent held-out set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

setup()

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from bench import corpus  # noqa: E402
from matching.embeddings.model import embedder  # noqa: E402
from matching.lookalike import SIMILARITY_FLOOR  # noqa: E402

SUBJECTS = ("animal-mammal", "animal-bird", "animal-marine", "animal-bug", "food-fruit", "food-vegetable",
            "plant-flower", "transport-ground", "transport-air", "place-building", "tool", "clothing",
            "musical-instrument", "sport")  # fmt: skip


def load(package: Path, subjects: tuple[str, ...] = SUBJECTS) -> tuple[list[Image.Image], list[str]]:
    rows = json.loads((package / "emoji.json").read_text())
    pictures, labels = [], []
    for row in rows:
        path = package / "img" / "google" / "64" / row["image"]
        if row["subcategory"] in subjects and row.get("has_img_google") and path.exists():
            pictures.append(corpus.on_white(path, 256, Image.Resampling.LANCZOS))
            labels.append(row["subcategory"])
    return pictures, labels


def histogram(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image.resize((64, 64)), dtype=np.int64) // 32
    counts = np.bincount((pixels[..., 0] * 64 + pixels[..., 1] * 8 + pixels[..., 2]).ravel(), minlength=512)
    vector = counts.astype(np.float32)
    return vector / np.linalg.norm(vector)


def precision(similarity: np.ndarray, labels: np.ndarray, k: int) -> float:
    np.fill_diagonal(similarity, -np.inf)
    top = np.argsort(-similarity, axis=1)[:, :k]
    return float(np.mean(labels[top] == labels[:, None]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emoji-package", type=Path, default=ROOT / "var" / "bench" / "package")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "lookalike.json")
    args = parser.parse_args()
    if not (args.emoji_package / "emoji.json").exists():
        sys.exit(f"No emoji package at {args.emoji_package}; see this script's docstring to fetch it.")
    pictures, names = load(args.emoji_package)
    labels = np.array(names)
    started = time.perf_counter()
    model = np.stack([embedder().embed(picture).vector for picture in pictures])
    per_image = (time.perf_counter() - started) / len(pictures)
    colours = np.stack([histogram(picture) for picture in pictures])
    chance = float(np.mean([(np.sum(labels == label) - 1) / (len(labels) - 1) for label in labels]))
    centred = model - model.mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    rows = {
        "embedding (cosine)": {k: precision(model @ model.T, labels, k) for k in (5, 10)},
        "embedding, mean-centred": {k: precision(centred @ centred.T, labels, k) for k in (5, 10)},
        "colour histogram": {k: precision(colours @ colours.T, labels, k) for k in (5, 10)},
        "chance": {5: chance, 10: chance},
    }
    print(f"{len(pictures)} pictures in {len(SUBJECTS)} subjects; embedding {1000 * per_image:.1f} ms per picture")
    print(f"{'method':24s} {'P@5':>6s} {'P@10':>6s}")
    for name, row in rows.items():
        print(f"{name:24s} {row[5]:6.3f} {row[10]:6.3f}")
    similarity = model @ model.T
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(labels), dtype=bool)
    floors = {}
    print("floor  same-subject pairs above  other-subject pairs above")
    for floor in (0.3, 0.4, 0.5, 0.6, 0.7):
        above = similarity >= floor
        floors[floor] = (float(above[same & off_diagonal].mean()), float(above[~same].mean()))
        marker = "  <- SIMILARITY_FLOOR" if abs(floor - SIMILARITY_FLOOR) < 1e-9 else ""
        print(f"{floor:5.2f}  {floors[floor][0]:24.3f}  {floors[floor][1]:25.3f}{marker}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"pictures": len(pictures), "ms_per_embedding": 1000 * per_image,
                                     "precision": rows, "floors": floors}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
