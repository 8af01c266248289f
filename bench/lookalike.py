"""Look-alike quality on pictures grouped by subject: precision@5 and @10, side by side in one run.

    .venv/bin/python bench/lookalike.py [--emoji-package DIR] [--twitter-package DIR] [--json FILE]

The labelled set: Google's Noto emoji drawings from the npm package `emoji-datasource-google`
(MIT data, Apache-2.0 images), grouped by their Unicode subcategory (mammals, birds, fruit,
vegetables, flowers, ground transport, air transport, buildings, tools, clothing, musical
instruments, sport). Fetch it once with the npm client:

    mkdir -p var/bench && (cd var/bench && npm pack emoji-datasource-google@16.0.0 && \\
        tar xzf emoji-datasource-google-16.0.0.tgz)

and, for the "another style" rows, Twitter's drawings of the same emoji (npm
`emoji-datasource-twitter`, MIT data, CC-BY 4.0 images):

    mkdir -p var/bench/tw && (cd var/bench/tw && npm pack emoji-datasource-twitter@16.0.0 && \\
        tar xzf emoji-datasource-twitter-16.0.0.tgz)

Three sets: the drawings as drawn (square, with their margins), cut out (trimmed to the drawing, so
long subjects are long pictures, as clip-art and cut-out stamps are), and another style (each of
Twitter's cut-out drawings queries Google's; the same emoji is left out, so only other pictures of
the subject count). Within one style every picture queries all the others (leave one out); a hit is
relevant when it has the query's subcategory. Compared: Likeness as it searches (the embedding of
the padded picture, cosine, SIMILARITY_FLOOR applied: places left empty count as misses), the same
embedding without the floor, the embedding of the centre square (the network's usual input, and
what Likeness used before), a colour histogram (8x8x8 RGB, cosine) and chance. Also printed: how
often a same-subject and a different-subject pair clear each similarity floor, which is how
SIMILARITY_FLOOR was chosen. Tux Paint's stamps are kept out of this on purpose: they are the
project's independent held-out set.
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

from matching.embeddings.model import embedder, preprocess  # noqa: E402
from matching.index.similarity import SIMILARITY_FLOOR  # noqa: E402
from tests import corpus  # noqa: E402

SUBJECTS = ("animal-mammal", "animal-bird", "animal-marine", "animal-bug", "food-fruit", "food-vegetable",
            "plant-flower", "transport-ground", "transport-air", "place-building", "tool", "clothing",
            "musical-instrument", "sport")  # fmt: skip


def load(
    package: Path, subjects: tuple[str, ...] = SUBJECTS, style: str = "google", cut_out: bool = False
) -> tuple[list[Image.Image], list[str], list[str]]:
    """The pictures of `subjects` in one style, on white, 256 px on their long side; their subjects and emoji codes."""
    rows = json.loads((package / "emoji.json").read_text())
    pictures, labels, codes = [], [], []
    for row in rows:
        path = package / "img" / style / "64" / row["image"]
        if row["subcategory"] in subjects and row.get(f"has_img_{style}") and path.exists():
            pictures.append(cut(path) if cut_out else corpus.on_white(path, 256, Image.Resampling.LANCZOS))
            labels.append(row["subcategory"])
            codes.append(row["unified"])
    return pictures, labels, codes


def cut(path: Path) -> Image.Image:
    """The drawing trimmed to what it covers (alpha over 16), on white, 256 px on its long side."""
    rgba = Image.open(path).convert("RGBA")
    rgba = rgba.crop(rgba.getchannel("A").point(lambda a: 255 if a > 16 else 0).getbbox())
    scale = 256 / max(rgba.size)
    size = (max(1, round(rgba.width * scale)), max(1, round(rgba.height * scale)))
    rgba = rgba.resize(size, Image.Resampling.LANCZOS)
    white = Image.new("RGB", rgba.size, (255, 255, 255))
    white.paste(rgba, mask=rgba.getchannel("A"))
    return white


def centre_square(image: Image.Image) -> np.ndarray:
    """The network's usual input (and Likeness's before padding): the centre square scaled to 224."""
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side)).resize((224, 224), Image.Resampling.BILINEAR)
    return ((np.asarray(square, dtype=np.float32) - 127.0) / 128.0).transpose(2, 0, 1)


def embed(pictures: list[Image.Image], centre: bool = False) -> np.ndarray:
    inputs = [centre_square(p) if centre else preprocess(p) for p in pictures]
    return np.stack([embedder().embed_batch(x[None])[0].vector for x in inputs])


def histogram(image: Image.Image) -> np.ndarray:
    pixels = np.asarray(image.resize((64, 64)), dtype=np.int64) // 32
    counts = np.bincount((pixels[..., 0] * 64 + pixels[..., 1] * 8 + pixels[..., 2]).ravel(), minlength=512)
    vector = counts.astype(np.float32)
    return vector / np.linalg.norm(vector)


def precision(similarity: np.ndarray, query: np.ndarray, found: np.ndarray, k: int, floor: float = -np.inf) -> float:
    """Mean share of same-subject pictures in each query's top k; places under `floor` count as misses.

    `similarity` is (queries, catalog); entries set to -inf (the query itself) are never returned.
    """
    top = np.argsort(-similarity, axis=1)[:, :k]
    shown = np.take_along_axis(similarity, top, axis=1) >= floor
    return float(np.mean((found[top] == query[:, None]) & shown))


def compare(query: dict, catalog: dict, hidden: np.ndarray) -> dict:
    """Every method's precision@5 and @10 for one set; `hidden[i, j]` keeps catalog picture j from query i."""

    def scores(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.where(hidden, -np.inf, a @ b.T)

    padded = scores(query["padded"], catalog["padded"])
    rows = {
        f"Likeness (padded, floor {SIMILARITY_FLOOR})": (padded, SIMILARITY_FLOOR),
        "embedding, padded, no floor": (padded, -np.inf),
        "embedding, centre square (before)": (scores(query["centre"], catalog["centre"]), -np.inf),
        "colour histogram": (scores(query["colours"], catalog["colours"]), -np.inf),
    }
    out = {name: {k: precision(s, query["labels"], catalog["labels"], k, floor) for k in (5, 10)}
           for name, (s, floor) in rows.items()}  # fmt: skip
    candidates = (~hidden).sum(axis=1)
    same = ((query["labels"][:, None] == catalog["labels"][None, :]) & ~hidden).sum(axis=1)
    out["chance"] = {k: float(np.mean(same / candidates)) for k in (5, 10)}
    return out


def describe(pictures: list[Image.Image], labels: list[str]) -> dict:
    return {
        "padded": embed(pictures),
        "centre": embed(pictures, centre=True),
        "colours": np.stack([histogram(p) for p in pictures]),
        "labels": np.array(labels),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emoji-package", type=Path, default=ROOT / "var" / "bench" / "package")
    parser.add_argument("--twitter-package", type=Path, default=ROOT / "var" / "bench" / "tw" / "package")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "lookalike.json")
    args = parser.parse_args()
    if not (args.emoji_package / "emoji.json").exists():
        sys.exit(f"No emoji package at {args.emoji_package}; see this script's docstring to fetch it.")
    started = time.perf_counter()
    pictures, names, _ = load(args.emoji_package)
    drawn = describe(pictures, names)
    per_image = (time.perf_counter() - started) / len(pictures) / 2
    cut_pictures, cut_names, cut_codes = load(args.emoji_package, cut_out=True)
    cut_out = describe(cut_pictures, cut_names)
    alone = np.eye(len(names), dtype=bool)
    results = {
        "as drawn": compare(drawn, drawn, alone),
        "cut out": compare(cut_out, cut_out, np.eye(len(cut_names), dtype=bool)),
    }
    if (args.twitter_package / "emoji.json").exists():
        other, other_names, other_codes = load(args.twitter_package, style="twitter", cut_out=True)
        same_emoji = np.array(other_codes)[:, None] == np.array(cut_codes)[None, :]
        results["another style"] = compare(describe(other, other_names), cut_out, same_emoji)
    else:
        print(f"No Twitter emoji package at {args.twitter_package}: the 'another style' set is left out.")
    print(f"{len(pictures)} pictures in {len(SUBJECTS)} subjects; embedding {1000 * per_image:.1f} ms per picture")
    for name, rows in results.items():
        print(f"\n{name}\n{'method':40s} {'P@5':>6s} {'P@10':>6s}")
        for method, row in rows.items():
            print(f"{method:40s} {row[5]:6.3f} {row[10]:6.3f}")
    similarity = drawn["padded"] @ drawn["padded"].T
    labels = drawn["labels"]
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~alone
    floors = {}
    print("\nas drawn: floor  same-subject pairs above  other-subject pairs above")
    for floor in (0.3, 0.4, 0.45, 0.5, 0.6, 0.7):
        above = similarity >= floor
        floors[floor] = (float(above[same & off_diagonal].mean()), float(above[~same].mean()))
        marker = "  <- SIMILARITY_FLOOR" if abs(floor - SIMILARITY_FLOOR) < 1e-9 else ""
        print(f"{floor:5.2f}  {floors[floor][0]:24.3f}  {floors[floor][1]:25.3f}{marker}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"pictures": len(pictures), "ms_per_embedding": 1000 * per_image,
                                     "precision": results, "floors": floors}, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
