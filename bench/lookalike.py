"""Look-alike quality on pictures grouped by subject: precision, empty answers and unrelated look-alikes, in one run.

    .venv/bin/python bench/lookalike.py [--emoji-package DIR] [--twitter-package DIR] [--json FILE]

The labelled set: Google's Noto emoji drawings from the npm package `emoji-datasource-google`
(MIT data, Apache-2.0 images), grouped by their Unicode subcategory (mammals, birds, sea animals,
bugs, fruit, vegetables, flowers, ground transport, air transport, buildings, tools, clothing,
musical instruments, sport). Fetch it once with the npm client:

    mkdir -p var/bench && (cd var/bench && npm pack emoji-datasource-google@16.0.0 && \\
        tar xzf emoji-datasource-google-16.0.0.tgz)

and, for the "another style" rows, Twitter's drawings of the same emoji (npm
`emoji-datasource-twitter`, MIT data, CC-BY 4.0 images):

    mkdir -p var/bench/tw && (cd var/bench/tw && npm pack emoji-datasource-twitter@16.0.0 && \\
        tar xzf emoji-datasource-twitter-16.0.0.tgz)

Sets whose subject the catalog holds: the drawings as drawn (square, with their margins), cut out
(trimmed to the drawing), another style (each of Twitter's cut-out drawings queries Google's, the
same emoji left out), and painted photos (scikit-image's photos, shipped with the package: six
crops of each in the catalog, six other crops posterised, smoothed and recoloured as queries, the
way a painting of a photographed subject differs from it). Within one drawing style every picture
queries all the others (leave one out); a hit is relevant when it has the query's subject. Each query
ranks the RERANK catalog pictures nearest by cosine, as the index's first stage hands them on, against
the catalog's background (matching.index.calibration.Background, of the catalog less what the query
may not find). Compared, side by side: the raw embedding without any floor, the fixed cosine floor
look-alike search used before, Likeness as it searches now (`matching.index.calibration.lookalikes`,
the function the look-alike indexes call), and each step alone: the calibrated floor, power
normalisation, centring, PCA whitening on the catalog, query expansion, k-reciprocal re-ranking.
P@k counts what is shown: a query shown fewer than k pictures has misses there.

The subject-absent set: the pictures of three subjects (clothing, tools, musical instruments) query a
catalog of the others, and generated non-pictures (random noise, flat colours, gradients) query that
catalog and the painted-photo catalog. Unrelated rate: look-alikes shown among the first five, per
query. Also printed: how the gate value trades empty answers against unrelated look-alikes. Tux
Paint's stamps are kept out of this on purpose: they are the project's independent held-out set.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.django_env import setup  # noqa: E402

setup()

import numpy as np  # noqa: E402
from PIL import Image, ImageEnhance, ImageFilter, ImageOps  # noqa: E402

from matching.embeddings.model import embedder, preprocess  # noqa: E402
from matching.index.background import SAMPLE as BACKGROUND  # noqa: E402
from matching.index.calibration import DEFAULT, Background, Calibration, lookalikes, unit  # noqa: E402
from matching.index.similarity import RERANK  # noqa: E402
from tests import corpus  # noqa: E402

SUBJECTS = ("animal-mammal", "animal-bird", "animal-marine", "animal-bug", "food-fruit", "food-vegetable",
            "plant-flower", "transport-ground", "transport-air", "place-building", "tool", "clothing",
            "musical-instrument", "sport")  # fmt: skip
ABSENT = ("clothing", "tool", "musical-instrument")  # left out of the subject-absent set's catalog
PHOTOS = ("astronaut", "camera", "chelsea", "coffee", "coins", "moon", "rocket", "hubble_deep_field",
          "immunohistochemistry", "page", "retina", "text", "brick", "grass", "gravel", "microaneurysms")  # fmt: skip
VIEWS = 6  # catalog crops and painted queries per photo
FIXED_FLOOR = 0.5  # the cosine floor look-alike search applied before the calibrated one
SHOWN = 10  # look-alikes asked for per query
OFF = float("-inf")
NO_FLOOR = Calibration(gate=OFF, lift=OFF, floor=OFF)  # the steps, nothing left out


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


def photo_views(rng: np.random.Generator) -> tuple[list[Image.Image], list[str], list[Image.Image], list[str]]:
    """VIEWS crops of each photo for the catalog, and VIEWS other crops painted, as queries."""
    catalog, catalog_labels, queries, query_labels = [], [], [], []
    for name in PHOTOS:
        original = corpus.sample_photo(name)
        for _ in range(VIEWS):
            catalog.append(crop(original, rng))
            catalog_labels.append(name)
        for _ in range(VIEWS):
            queries.append(painted(crop(original, rng), rng))
            query_labels.append(name)
    return catalog, catalog_labels, queries, query_labels


def crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """45-80% of the photo's width, somewhat taller or wider, anywhere in it; mirrored half the time."""
    scale = rng.uniform(0.45, 0.8)
    width = int(image.width * scale)
    height = min(image.height, int(image.height * scale * rng.uniform(0.8, 1.2)))
    left, top = int(rng.integers(0, image.width - width + 1)), int(rng.integers(0, image.height - height + 1))
    view = image.crop((left, top, left + width, top + height))
    return ImageOps.mirror(view) if rng.random() < 0.5 else view


def painted(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A painting's liberties: few tones, flat patches, soft edges, other colours."""
    image = ImageOps.posterize(image, int(rng.integers(2, 4)))
    image = image.filter(ImageFilter.ModeFilter(int(rng.integers(5, 9))))
    image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(2, 4))))
    return ImageEnhance.Color(image).enhance(float(rng.uniform(0.3, 1.6)))


def generated(rng: np.random.Generator, each: int = 12) -> list[Image.Image]:
    """Non-pictures: random noise, flat colours and colour gradients, 256 px square."""
    pictures = []
    for _ in range(each):
        pictures.append(Image.fromarray(rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)))
        pictures.append(Image.new("RGB", (256, 256), tuple(int(x) for x in rng.integers(0, 256, 3))))
        ramp = np.linspace(0, 255, 256)[None, :, None] * rng.random(3) + rng.random(3) * 50
        pictures.append(Image.fromarray(np.broadcast_to(ramp, (256, 256, 3)).astype(np.uint8)))
    return pictures


def embed(pictures: list[Image.Image]) -> np.ndarray:
    return np.stack([embedder().embed_batch(preprocess(p)[None])[0].vector for p in pictures])


# --- what each method shows for one query ------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """One query as the index hands it on: its RERANK nearest by cosine, and the catalog it may find."""

    vector: np.ndarray
    ids: np.ndarray  # candidates, nearest first by cosine
    vectors: np.ndarray  # their embeddings
    whole: np.ndarray  # the set's catalog
    visible: np.ndarray  # what of it the query may find

    @property
    def catalog(self) -> np.ndarray:
        return self.whole[self.visible]


Method = Callable[[Query], list[int]]
_backgrounds: dict[tuple, Background] = {}


def background(query: Query, calibration: Calibration) -> Background:
    """The catalog's background as the query sees it (less what it may not find), made once per query."""
    key = (id(query), calibration.power, calibration.centre, calibration.prior_pictures)
    if key not in _backgrounds:
        _backgrounds[key] = Background.of(query.catalog, calibration=calibration)
    return _backgrounds[key]


def calibrated(calibration: Calibration) -> Method:
    """The product's function with these values (DEFAULT: Likeness as it searches)."""

    def shown(query: Query) -> list[int]:
        found = lookalikes(
            query.vector, query.ids, query.vectors, background(query, calibration), limit=SHOWN, calibration=calibration
        )
        return [image_id for image_id, _ in found]

    return shown


def floor_alone(query: Query) -> list[int]:
    """What Likeness lets through, in the raw embedding's order."""
    passing = {image_id for image_id, _ in lookalikes(query.vector, query.ids, query.vectors,
                                                      background(query, DEFAULT), limit=len(query.ids))}  # fmt: skip
    return [int(i) for i in query.ids if i in passing][:SHOWN]


def fixed_floor(floor: float) -> Method:
    def shown(query: Query) -> list[int]:
        cosine = query.vectors @ query.vector
        return [int(i) for i, s in zip(query.ids[:SHOWN], cosine[:SHOWN], strict=True) if s >= floor]

    return shown


def whitened(shrink: float = 1.0) -> Method:
    """PCA whitening learned on the set's catalog, shrunk (each direction's variance plus `shrink` times the
    largest): one learning per catalog."""
    learned: dict[int, Callable[[np.ndarray], np.ndarray]] = {}

    def learn(catalog: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        mean = catalog.mean(axis=0)
        _, values, axes = np.linalg.svd(catalog - mean, full_matrices=False)
        variance = values**2 / len(catalog)
        scale = np.sqrt(shrink * variance[0] / (variance + shrink * variance[0])) - 1

        def white(x: np.ndarray) -> np.ndarray:
            centred = x - mean
            return unit(centred + ((centred @ axes.T) * scale) @ axes)

        return white

    def shown(query: Query) -> list[int]:
        if id(query.whole) not in learned:
            learned[id(query.whole)] = learn(query.whole)
        white = learned[id(query.whole)]
        order = np.argsort(-(white(query.vectors) @ white(query.vector)), kind="stable")
        return query.ids[order[:SHOWN]].tolist()

    return shown


def k_reciprocal(k: int = 10, weight: float = 0.3) -> Method:
    """Re-ranked by the overlap of k-reciprocal neighbourhoods among the query and its candidates (Jaccard),
    mixed with the cosine (Zhong et al. 2017, within the candidates)."""

    def shown(query: Query) -> list[int]:
        nodes = np.vstack([query.vector, query.vectors])
        similarity = nodes @ nodes.T
        nearest = np.argsort(-similarity, axis=1, kind="stable")[:, : k + 1]
        member = np.zeros(similarity.shape, bool)
        np.put_along_axis(member, nearest, True, axis=1)
        mutual = (member & member.T).astype(np.float32)
        common = mutual[1:] @ mutual[0]
        jaccard = common / (mutual[0].sum() + mutual[1:].sum(axis=1) - common)
        order = np.argsort(-((1 - weight) * jaccard + weight * similarity[0, 1:]), kind="stable")
        return query.ids[order[:SHOWN]].tolist()

    return shown


METHODS: dict[str, Method] = {
    "embedding, no floor": fixed_floor(OFF),
    f"fixed floor {FIXED_FLOOR} (before)": fixed_floor(FIXED_FLOOR),
    "**Likeness** (calibrated floor + steps)": calibrated(DEFAULT),
    "the steps without a floor": calibrated(NO_FLOOR),
    "calibrated floor alone": floor_alone,
    "power normalisation alone (sqrt)": calibrated(replace(NO_FLOOR, centre=False, expansion=0)),
    "centring alone": calibrated(replace(NO_FLOOR, power=1, expansion=0)),
    "PCA whitening on the catalog": whitened(),
    "query expansion alone (average, top 3)": calibrated(replace(NO_FLOOR, power=1, centre=False)),
    "k-reciprocal re-ranking (k 10)": k_reciprocal(),
}


# --- sets and measures -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Set:
    queries: list[Query]
    labels: np.ndarray  # each query's subject
    catalog_labels: np.ndarray


def queries(query: np.ndarray, catalog: np.ndarray, hidden: np.ndarray | None = None) -> list[Query]:
    """Each query with its RERANK nearest by cosine; `hidden[i, j]` keeps catalog picture j from query i."""
    found = []
    for row, vector in enumerate(query):
        visible = np.flatnonzero(~hidden[row]) if hidden is not None else np.arange(len(catalog))
        nearest = visible[np.argsort(-(catalog[visible] @ vector), kind="stable")[:RERANK]]
        found.append(Query(vector, nearest, catalog[nearest], catalog, visible))
    return found


def measure(method: Method, labelled: Set) -> dict[str, float]:
    """P@5, P@10 (places not shown are misses) and the share of queries shown nothing."""
    p5, p10, empty = [], [], []
    for query, label in zip(labelled.queries, labelled.labels, strict=True):
        shown = method(query)
        relevant = labelled.catalog_labels[shown] == label
        p5.append(relevant[:5].sum() / 5)
        p10.append(relevant[:10].sum() / 10)
        empty.append(not shown)
    return {"P@5": float(np.mean(p5)), "P@10": float(np.mean(p10)), "empty": float(np.mean(empty))}


def unrelated(method: Method, absent: list[Query]) -> float:
    """Look-alikes shown among the first five, per query whose subject the catalog lacks."""
    return float(np.mean([len(method(query)[:5]) for query in absent]))


def print_table(results: dict[str, dict[str, dict[str, float]]], chance: dict[str, float]) -> None:
    names = list(results)
    print(f"\n{'method':42s}" + "".join(f" {name:>22s}" for name in names))
    print(f"{'':42s}" + "".join(f" {'P@5   P@10  empty':>22s}" for _ in names))
    for method in METHODS:
        cells = (results[name][method] for name in names)
        print(f"{method:42s}" + "".join(f"    {c['P@5']:.3f} {c['P@10']:.3f} {c['empty']:.3f}" for c in cells))
    print(f"{'chance':42s}" + "".join(f"    {chance[name]:.3f} {chance[name]:.3f}      " for name in names))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--emoji-package", type=Path, default=ROOT / "var" / "bench" / "package")
    parser.add_argument("--twitter-package", type=Path, default=ROOT / "var" / "bench" / "tw" / "package")
    parser.add_argument("--json", type=Path, default=ROOT / "bench" / "results" / "lookalike.json")
    args = parser.parse_args()
    if not (args.emoji_package / "emoji.json").exists():
        sys.exit(f"No emoji package at {args.emoji_package}; see this script's docstring to fetch it.")
    started = time.perf_counter()
    rng = np.random.default_rng(33)
    pictures, names, _ = load(args.emoji_package)
    drawn, drawn_labels = embed(pictures), np.array(names)
    per_image = (time.perf_counter() - started) / len(pictures)
    cut_pictures, cut_names, cut_codes = load(args.emoji_package, cut_out=True)
    cut_out, cut_labels = embed(cut_pictures), np.array(cut_names)
    alone = np.eye(len(names), dtype=bool)
    sets = {
        "as drawn": Set(queries(drawn, drawn, alone), drawn_labels, drawn_labels),
        "cut out": Set(queries(cut_out, cut_out, np.eye(len(cut_names), dtype=bool)), cut_labels, cut_labels),
    }
    if (args.twitter_package / "emoji.json").exists():
        other, other_names, other_codes = load(args.twitter_package, style="twitter", cut_out=True)
        same_emoji = np.array(other_codes)[:, None] == np.array(cut_codes)[None, :]
        sets["another style"] = Set(queries(embed(other), cut_out, same_emoji), np.array(other_names), cut_labels)
    else:
        print(f"No Twitter emoji package at {args.twitter_package}: the 'another style' set is left out.")
    photo_catalog, photo_labels, photo_queries, photo_query_labels = photo_views(rng)
    photos = embed(photo_catalog)
    sets["painted photos"] = Set(queries(embed(photo_queries), photos), np.array(photo_query_labels),
                                 np.array(photo_labels))  # fmt: skip
    kept = ~np.isin(drawn_labels, ABSENT)
    noise = embed(generated(rng))
    absent = {
        "held-out subjects": queries(drawn[~kept], drawn[kept]),
        "non-pictures, drawings": queries(noise, drawn[kept]),
        "non-pictures, photos": queries(noise, photos),
    }
    results = {name: {method: measure(fn, s) for method, fn in METHODS.items()} for name, s in sets.items()}
    chance = {name: float(np.mean([np.mean(s.catalog_labels[q.visible] == label) for q, label in
                                   zip(s.queries, s.labels, strict=True)])) for name, s in sets.items()}  # fmt: skip
    rates = {method: {name: unrelated(fn, found) for name, found in absent.items()}
             for method, fn in METHODS.items() if "floor" in method or "Likeness" in method}  # fmt: skip
    for rate in rates.values():
        counts = {name: len(found) for name, found in absent.items()}
        rate["all"] = sum(rate[name] * counts[name] for name in counts) / sum(counts.values())
    sweep = gate_sweep(sets, absent)
    cost = query_cost(sets["as drawn"].queries, np.concatenate([drawn, cut_out, photos]))

    print(f"{len(pictures)} drawings in {len(SUBJECTS)} subjects, {len(photos)} photo crops of {len(PHOTOS)} photos "
          f"({len(photo_queries)} painted queries); embedding {1000 * per_image:.1f} ms per picture")  # fmt: skip
    print_table(results, chance)
    print(f"\nSubject absent: look-alikes shown among the first five, per query ({', '.join(ABSENT)} left out of "
          f"the drawings; {len(noise)} non-pictures)")  # fmt: skip
    names = [*absent, "all"]
    print(f"{'method':42s}" + "".join(f" {name:>22s}" for name in names))
    for method, rate in rates.items():
        print(f"{method:42s}" + "".join(f" {rate[name]:22.2f}" for name in names))
    print(f"\nLikeness's choice per query (RERANK candidates, a background of {BACKGROUND}): {cost:.2f} ms")
    print("\nThe gate (Likeness, other values as they are): P@5 / empty per set, and the unrelated rate")
    for gate, row in sweep.items():
        marker = "  <- Calibration.gate" if abs(gate - DEFAULT.gate) < 1e-9 else ""
        cells = "  ".join(f"{row[name]['P@5']:.3f} / {row[name]['empty']:.3f}" for name in sets)
        print(f"{gate:5.2f}  {cells}  unrelated {row['unrelated']:.2f}{marker}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"drawings": len(pictures), "ms_per_embedding": 1000 * per_image,
                                     "precision": results, "chance": chance, "unrelated": rates,
                                     "gate": {str(g): row for g, row in sweep.items()},
                                     "ms_per_choice": cost}, indent=2))  # fmt: skip


def query_cost(found: list[Query], catalog: np.ndarray) -> float:
    """Milliseconds `lookalikes` takes per query, against a background the size the indexes sample."""
    sample = Background.of(catalog[:BACKGROUND], pictures=100_000)
    started = time.perf_counter()
    for query in found:
        lookalikes(query.vector, query.ids, query.vectors, sample, limit=SHOWN)
    return 1000 * (time.perf_counter() - started) / len(found)


def gate_sweep(sets: dict[str, Set], absent: dict[str, list[Query]]) -> dict[float, dict]:
    sweep: dict[float, dict] = {}
    for gate in (0.17, 0.20, 0.23, 0.26, 0.29):
        method = calibrated(replace(DEFAULT, gate=gate))
        row: dict = {name: measure(method, s) for name, s in sets.items()}
        every = [query for found in absent.values() for query in found]
        row["unrelated"] = unrelated(method, every)
        sweep[gate] = row
    return sweep


if __name__ == "__main__":
    main()
