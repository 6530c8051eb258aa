"""The .pth reader: real weight files read to the numbers, and files that try to run code refused before they do."""
from __future__ import annotations

import io
import os
import pickle
import sys
import types
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest

from xraylab.errors import UserError
from xraylab.models import efficientnet_lite, pth


def legacy_file(state: dict[str, np.ndarray], monkeypatch: pytest.MonkeyPatch) -> bytes:
    """`state` in the layout torch's `_legacy_save` writes, made without torch: stand-in `torch` modules give the
    pickle the same global names (torch.FloatStorage, torch._utils._rebuild_tensor_v2) a real file has."""
    fake_torch, fake_utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    storage_types = {}
    for name, dtype in pth.STORAGE_DTYPES.items():
        storage_types[np.dtype(dtype)] = type(name, (), {"__module__": "torch"})
        setattr(fake_torch, name, storage_types[np.dtype(dtype)])

    def _rebuild_tensor_v2(*args):
        raise AssertionError("never called while writing")

    _rebuild_tensor_v2.__module__, _rebuild_tensor_v2.__qualname__ = "torch._utils", "_rebuild_tensor_v2"
    fake_utils._rebuild_tensor_v2 = _rebuild_tensor_v2
    monkeypatch.setitem(sys.modules, "torch", fake_torch)
    monkeypatch.setitem(sys.modules, "torch._utils", fake_utils)

    stored: list[np.ndarray] = []

    class Tensor:
        def __init__(self, array: np.ndarray) -> None:
            self.array = array

        def __reduce__(self):
            stored.append(self.array)
            strides = tuple(stride // self.array.itemsize for stride in self.array.strides)
            return _rebuild_tensor_v2, (Storage(self.array), 0, self.array.shape, strides, False, OrderedDict())

    class Storage:
        def __init__(self, array: np.ndarray) -> None:
            self.key = ("storage", storage_types[array.dtype], str(len(stored) - 1), "cpu", array.size, None)

    class Pickler(pickle.Pickler):
        def persistent_id(self, obj):
            return obj.key if isinstance(obj, Storage) else None

    stream = io.BytesIO()
    for header in (pth.LEGACY_MAGIC, pth.LEGACY_PROTOCOL,
                   {"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}}):
        pickle.dump(header, stream, protocol=2)
    Pickler(stream, protocol=2).dump(OrderedDict((key, Tensor(np.require(value, requirements="C")))
                                                 for key, value in state.items()))
    pickle.dump([str(index) for index in range(len(stored))], stream, protocol=2)
    for array in stored:
        stream.write(array.size.to_bytes(8, "little") + array.tobytes())
    return stream.getvalue()


def test_a_written_state_dict_reads_back_to_the_same_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    rng = np.random.default_rng(0)
    state = {"conv.weight": rng.normal(size=(4, 3, 3, 3)).astype(np.float32),
             "bn.num_batches_tracked": np.array(7, dtype=np.int64),
             "fc.bias": rng.normal(size=5).astype(np.float64)}
    path = tmp_path / "weights.pth"
    path.write_bytes(legacy_file(state, monkeypatch))
    read = pth.read_state_dict(path)
    assert list(read) == list(state)
    for key, value in state.items():
        assert read[key].dtype == value.dtype and read[key].shape == value.shape
        np.testing.assert_array_equal(read[key], value)


def test_the_real_lite0_weights_are_the_published_network():
    state = pth.read_state_dict(efficientnet_lite.weights_file("efficientnet_lite0"))
    assert len(state) == 296
    assert sum(value.size for value in state.values()) == 4_694_073  # as torch counts it, the BN counters included
    assert state["_conv_stem.weight"].shape == (32, 3, 3, 3) and state["_fc.weight"].shape == (1000, 1280)
    # The batch-norm statistics of a trained network: variances of all sizes, not the 1s of a fresh one.
    variances = state["_blocks.15._bn1.running_var"]
    assert (variances >= 0).all() and variances.std() > 0.01


class RunsCode:
    """What a hostile weights file holds: an object whose unpickling calls a function of the file's choosing."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return os.system, (f"touch {self.marker}",)


def test_a_file_that_would_run_code_is_refused_and_runs_nothing(tmp_path: Path):
    marker = tmp_path / "ran"
    stream = io.BytesIO()
    for part in (pth.LEGACY_MAGIC, pth.LEGACY_PROTOCOL, {"little_endian": True}):
        pickle.dump(part, stream, protocol=2)
    pickle.dump(OrderedDict(weight=RunsCode(marker)), stream, protocol=2)
    path = tmp_path / "hostile.pth"
    path.write_bytes(stream.getvalue())
    with pytest.raises(UserError, match=r"hostile\.pth is not a PyTorch state dict this reader accepts: it names "
                                        r"(posix|os)\.system, which a file of weights never needs"):
        pth.read_state_dict(path)
    assert not marker.exists()
    pickle.loads(pickle.dumps(RunsCode(marker)))  # the same object through pickle itself does run its code
    assert marker.exists()


@pytest.mark.parametrize("damage, message", [
    (lambda data: data[: len(data) // 2], "it ends before its storages do"),
    (lambda data: b"PK\x03\x04" + data[4:], "in PyTorch's zip layout"),
    (lambda data: b"<html>403</html>", "not a PyTorch state dict"),
    (lambda data: b"", "not a PyTorch state dict"),
])
def test_damaged_files_get_one_line_naming_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage, message):
    path = tmp_path / "weights.pth"
    path.write_bytes(damage(legacy_file({"w": np.ones((64, 64), np.float32)}, monkeypatch)))
    with pytest.raises(UserError, match=message) as error:
        pth.read_state_dict(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(UserError, match="cannot read the weights file"):
        pth.read_state_dict(tmp_path / "missing.pth")
