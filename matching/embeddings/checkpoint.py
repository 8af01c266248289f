"""Read a PyTorch checkpoint in the legacy (pre-1.6, non-zip) format without running its pickles.

A checkpoint is a few pickles followed by raw tensor storages. Unpickling runs whatever the file
names, so the pickles are read by an unpickler that admits only what a tensor dictionary needs
(an OrderedDict, tensor storages, the tensor-rebuild call) and builds numpy arrays itself; any
other name (a function to call, a class to build) is refused before it is loaded.
"""

from __future__ import annotations

import pickle
import struct
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAGIC = 0x1950A86A20F9469CFC6C
PROTOCOL = 1001
STORAGES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class UnsafeCheckpoint(ValueError):
    """The file is not a plain tensor checkpoint (it names code to run, or is malformed)."""


@dataclass
class Storage:
    key: str
    dtype: type
    data: np.ndarray | None = None


@dataclass(frozen=True)
class TensorRef:
    storage: Storage
    offset: int
    shape: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> np.ndarray:
        if self.storage.data is None:
            raise UnsafeCheckpoint(f"Storage {self.storage.key} is referenced but never stored.")
        data = self.storage.data
        if not self.shape:
            return np.array(data[self.offset])
        itemsize = data.dtype.itemsize
        return np.lib.stride_tricks.as_strided(
            data[self.offset :], shape=self.shape, strides=[s * itemsize for s in self.stride]
        ).copy()


def _rebuild_tensor(storage, offset, shape, stride, *ignored) -> TensorRef:
    if not isinstance(storage, Storage):
        raise UnsafeCheckpoint("A tensor refers to something other than a storage.")
    return TensorRef(storage, int(offset), tuple(int(n) for n in shape), tuple(int(n) for n in stride))


class RestrictedUnpickler(pickle.Unpickler):
    """Admits OrderedDict, the storage types and torch._utils._rebuild_tensor_v2; nothing else."""

    def __init__(self, file: BinaryIO, storages: dict[str, Storage]) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGES:
            return name  # a marker; persistent_load turns it into a Storage
        raise UnsafeCheckpoint(f"The checkpoint names {module}.{name}, which a tensor file never needs; refused.")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage" and pid[1] in STORAGES):
            raise UnsafeCheckpoint(f"Unexpected persistent id {pid!r:.80}.")
        key = str(pid[2])
        if key not in self.storages:
            self.storages[key] = Storage(key, STORAGES[pid[1]])
        return self.storages[key]


def load_state_dict(path: Path) -> dict[str, np.ndarray]:
    """The checkpoint's tensors by name, as numpy arrays; raises UnsafeCheckpoint for anything else."""
    storages: dict[str, Storage] = {}
    with path.open("rb") as handle:
        try:
            header = [RestrictedUnpickler(handle, storages).load() for _ in range(3)]
            if header[0] != MAGIC or header[1] != PROTOCOL:
                raise UnsafeCheckpoint("Not a PyTorch checkpoint in the legacy format.")
            state = RestrictedUnpickler(handle, storages).load()
            keys = RestrictedUnpickler(handle, storages).load()
        except (pickle.UnpicklingError, EOFError, AttributeError, TypeError, IndexError) as exc:
            raise UnsafeCheckpoint(f"The checkpoint cannot be read: {exc}") from exc
        if not isinstance(state, OrderedDict | dict) or not isinstance(keys, list):
            raise UnsafeCheckpoint("The checkpoint does not hold a dictionary of tensors.")
        for key in keys:
            storage = storages.get(str(key))
            if storage is None:
                raise UnsafeCheckpoint(f"The checkpoint stores {key!r}, which no tensor uses.")
            (count,) = struct.unpack("<q", handle.read(8))
            size = count * np.dtype(storage.dtype).itemsize
            raw = handle.read(size)
            if count < 0 or len(raw) != size:
                raise UnsafeCheckpoint("The checkpoint ends inside a tensor.")
            storage.data = np.frombuffer(raw, dtype=storage.dtype)
    tensors = {}
    for name, value in state.items():
        if not isinstance(value, TensorRef):
            raise UnsafeCheckpoint(f"{name} is not a tensor.")
        tensors[str(name)] = value.array()
    return tensors
