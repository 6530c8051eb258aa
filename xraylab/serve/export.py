"""Export for the web demo: a Keras model as a TF.js graph model, plus the metadata the page reads."""
from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any, Mapping

import keras
import tensorflow as tf

from xraylab import atomic, saved
from xraylab.evaluation.eval_file import EvalResult
from xraylab.explain import attribution
from xraylab.serve import contract
from xraylab.serve import gate as film_gate

META_FILE = "meta.json"


def page_meta(name: str, model: saved.SavedModel, result: EvalResult) -> dict[str, Any]:
    """What the page needs of any model it loads: input shape, classes, threshold and validation scores."""
    return {
        "model": name,
        "class_names": list(model.meta.class_names),
        "image_size": model.meta.image_size,
        "channels": model.meta.channels,
        "threshold": result.threshold,
        "threshold_rule": result.threshold_rule,
        "confidence": result.confidence,
        "val": result.val.as_written(),
    }


def git_revision() -> str | None:
    """The commit checked out when a model is exported (short hash), if in git.

    Not marked dirty: during `dvc repro` the stages before convert have already rewritten tracked metrics.
    """
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return head.stdout.strip()


def to_tfjs(model: keras.Model, out_dir: Path, quantize: str, meta: Mapping[str, Any],
            gate: film_gate.Gate | None = None) -> dict[str, Any]:
    """Write `out_dir` with model.json, weight shards and meta.json, replacing it only when complete.

    Returns the meta.json written: `meta` plus `heatmap` and `gate`.

    The graph model's outputs are `probability` (the model's output); where Grad-CAM has a closed
    form, `heatmap`: the map `explain.grad_cam` gives, at the input's size; and with a gate, `gate`: its
    `scores` (each check over its threshold; above 1 refuses), computed by the same TensorFlow ops as in
    Python. meta.json's `heatmap` and `gate` say which are there. The SavedModel → graph-model route is used
    because TF.js cannot load the layers-model JSON that Keras 3 writes (its InputLayer config differs).
    """
    # Imported here: tensorflowjs pulls in JAX and TF-DF and takes seconds, and only convert needs it.
    from tensorflowjs.converters import tf_saved_model_conversion_v2 as converter

    serving = _Serving(model, gate)
    with tempfile.TemporaryDirectory() as scratch, atomic.writing_dir(Path(out_dir)) as temp:
        saved_model = Path(scratch) / "saved_model"
        tf.saved_model.save(serving, str(saved_model), signatures={"serving_default": serving.serve})
        converter.convert_tf_saved_model(
            str(saved_model), str(temp),
            quantization_dtype_map=None if quantize == "none" else {quantize: "*"},
        )
        _sort_graph_attributes(temp / "model.json")
        written = {**meta, "heatmap": serving.heatmap, "gate": gate_meta(gate)}
        contract.checked(contract.PageMeta, written, f"{out_dir / META_FILE}")  # what the page reads
        atomic.write_json(temp / META_FILE, written)
    return written


def gate_meta(gate: film_gate.Gate | None) -> dict[str, Any] | None:
    """What the page needs to explain the graph's `gate` output: its checks in column order and the reason each
    gives (the words `xraylab predict` uses)."""
    if gate is None:
        return None
    return {"checks": list(film_gate.CHECKS), "reasons": [film_gate.REASONS[name] for name in film_gate.CHECKS]}


class _Serving(tf.Module):
    """What the page runs: images in [0, 1] → {probability[, heatmap][, gate]}."""

    def __init__(self, model: keras.Model, gate: film_gate.Gate | None):
        super().__init__()
        self.model = model
        self.gate = gate
        try:
            self.maps = attribution.grad_cam_graph(model)
        except ValueError:  # no closed form (or no convolution): the page shows the prediction only
            self.maps = None
        self.heatmap = self.maps is not None
        self.serve = tf.function(self._serve, input_signature=[tf.TensorSpec(model.inputs[0].shape, tf.float32)])

    def _serve(self, images: tf.Tensor) -> dict[str, tf.Tensor]:
        if self.maps is None:
            outputs = {"probability": self.model(images, training=False)}
        else:
            probability, heatmap = self.maps(images)
            outputs = {"probability": probability, "heatmap": heatmap}
        if self.gate is not None:
            outputs["gate"] = film_gate.scores(self.gate, images)
        return outputs


def _sort_graph_attributes(model_json: Path) -> None:
    """Rewrite model.json with sorted keys.

    The converter writes each node's attributes in protobuf map order, which changes from run to run;
    sorted, equal models give equal files and DVC sees no change. TF.js does not depend on key order.
    """
    graph = json.loads(model_json.read_text())
    model_json.write_text(json.dumps(graph, sort_keys=True, separators=(",", ":")))
