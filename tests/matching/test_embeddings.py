"""The look-alike model: the ONNX graph equals the original PyTorch model, and its checkpoint is read safely."""

import io
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime
import pytest

from matching.embeddings import checkpoint, graph, model
from tests.images import picture
from tests.matching.fixtures.reference_inputs import reference_inputs

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(scope="module")
def session():
    weights = checkpoint.load_state_dict(model.checkpoint_path())
    return onnxruntime.InferenceSession(graph.build(weights).SerializeToString(), providers=["CPUExecutionProvider"])


def test_the_graph_equals_the_original_pytorch_model(session):
    reference = np.load(FIXTURES / "embedding_reference.npz")
    embedding, logits = session.run([graph.EMBEDDING, graph.LOGITS], {"image": reference_inputs()})
    assert np.abs(embedding - reference["embedding"]).max() < 1e-4
    assert np.abs(logits - reference["logits"]).max() < 1e-4


def test_a_packaged_photo_of_a_cat_is_a_cat(settings, tmp_path):
    from PIL import Image
    from skimage import data

    settings.LIKENESS = {**settings.LIKENESS, "MODEL_DIR": str(tmp_path)}
    found = model.Embedder().embed(Image.fromarray(data.chelsea()))
    assert int(np.argmax(found.probabilities)) in range(281, 286)  # tabby, tiger cat, Persian, Siamese, Egyptian
    assert abs(float(np.linalg.norm(found.vector)) - 1) < 1e-5


def test_the_graph_is_built_once_and_kept(settings, tmp_path):
    settings.LIKENESS = {**settings.LIKENESS, "MODEL_DIR": str(tmp_path)}
    first = model.model_file()
    stamp = first.stat().st_mtime_ns
    assert model.model_file() == first and first.stat().st_mtime_ns == stamp
    assert [path.suffix for path in tmp_path.iterdir()] == [".onnx"]


def test_preprocessing_keeps_the_whole_picture_on_a_square_of_its_ground():
    from PIL import Image, ImageDraw

    # A long subject on a white ground: a red end and a blue end, 4:1.
    image = Image.new("RGB", (800, 200), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 60, 150, 140), fill=(220, 20, 20))
    draw.rectangle((650, 60, 790, 140), fill=(20, 20, 220))
    pixels = model.preprocess(image)
    assert pixels.shape == (3, 224, 224) and pixels.dtype == np.float32
    assert pixels.min() >= -1.0 and pixels.max() <= 1.0
    rgb = np.rint(pixels.transpose(1, 2, 0) * model.STD + model.MEAN)
    middle = rgb[112]
    assert (np.abs(middle[10] - (220, 20, 20)) < 8).all()  # both ends are there: nothing was cropped
    assert (np.abs(middle[-10] - (20, 20, 220)) < 8).all()
    assert (rgb[:80] == 255).all() and (rgb[-80:] == 255).all()  # padded above and below with the white ground

    # A dark picture is padded with its own dark edge colour, not white.
    dark = Image.new("RGB", (300, 600), (30, 40, 50))
    ImageDraw.Draw(dark).ellipse((50, 200, 250, 400), fill=(240, 200, 0))
    rgb = np.rint(model.preprocess(dark).transpose(1, 2, 0) * model.STD + model.MEAN)
    assert (rgb[112, :30] == (30, 40, 50)).all() and (rgb[112, -30:] == (30, 40, 50)).all()
    assert (np.abs(rgb[112, 112] - (240, 200, 0)) < 8).all()


def test_a_copy_with_another_shape_still_embeds_close_to_its_original():
    image = picture(448, 300, 3)
    wide = image.resize((448, 250))  # stretched to another aspect ratio
    original, other = (model.embedder().embed(x).vector for x in (image, wide))
    assert float(original @ other) > 0.9


def legacy_checkpoint(payload: bytes) -> bytes:
    """A legacy-format checkpoint whose main pickle is `payload`."""
    out = io.BytesIO()
    for header in (checkpoint.MAGIC, checkpoint.PROTOCOL, {"protocol_version": 1001}):
        pickle.dump(header, out, protocol=2)
    out.write(payload)
    pickle.dump([], out, protocol=2)
    return out.getvalue()


class RunsCode:
    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self):
        return (os.mkdir, (self.marker,))


def test_a_checkpoint_that_tries_to_run_code_is_refused(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pth"
    path.write_bytes(legacy_checkpoint(pickle.dumps({"weight": RunsCode(str(marker))}, protocol=2)))
    with pytest.raises(checkpoint.UnsafeCheckpoint, match="posix.mkdir|os.mkdir|refused"):
        checkpoint.load_state_dict(path)
    assert not marker.exists()


def test_a_checkpoint_that_is_not_a_tensor_dictionary_is_refused(tmp_path):
    path = tmp_path / "odd.pth"
    path.write_bytes(legacy_checkpoint(pickle.dumps({"weight": "not a tensor"}, protocol=2)))
    with pytest.raises(checkpoint.UnsafeCheckpoint, match="not a tensor"):
        checkpoint.load_state_dict(path)
    path.write_bytes(b"PK\x03\x04" + struct.pack("<q", 1))
    with pytest.raises(checkpoint.UnsafeCheckpoint):
        checkpoint.load_state_dict(path)


def test_a_sliver_is_scaled_before_it_is_padded():
    from PIL import Image

    for size in ((1, 50_000), (50_000, 1), (1, 1)):  # never a 50,000 x 50,000 canvas
        pixels = model.preprocess(Image.new("RGB", size, (200, 10, 10)))
        assert pixels.shape == (3, 224, 224)


def test_onnx_is_not_imported_to_embed_a_picture_only_to_build_the_graph():
    """The graph builder's library costs a second of every process's start-up; the model file is built once."""
    code = "import sys, django; django.setup(); from catalog import ingest, importer; print('onnx' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                          env={**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings"})  # fmt: skip
    assert done.stdout.strip() == "False"
