"""Export for the web demo: a Keras model as a TF.js graph model, plus the metadata the page reads."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any, Mapping

import keras

from xraylab import atomic

META_FILE = "meta.json"


def to_tfjs(model: keras.Model, out_dir: Path, quantize: str, meta: Mapping[str, Any]) -> None:
    """Write `out_dir` with model.json, weight shards and meta.json, replacing it only when complete.

    The SavedModel → graph-model route is used because TF.js cannot load the layers-model JSON that
    Keras 3 writes (its InputLayer config differs).
    """
    # Imported here: tensorflowjs pulls in JAX and TF-DF and takes seconds, and only convert needs it.
    from tensorflowjs.converters import tf_saved_model_conversion_v2 as converter

    with tempfile.TemporaryDirectory() as scratch, atomic.writing_dir(Path(out_dir)) as temp:
        saved_model = Path(scratch) / "saved_model"
        model.export(str(saved_model), format="tf_saved_model", verbose=False)
        converter.convert_tf_saved_model(
            str(saved_model), str(temp),
            quantization_dtype_map={"float16": "*"} if quantize == "float16" else None,
        )
        _sort_graph_attributes(temp / "model.json")
        atomic.write_json(temp / META_FILE, dict(meta))


def _sort_graph_attributes(model_json: Path) -> None:
    """Rewrite model.json with sorted keys.

    The converter writes each node's attributes in protobuf map order, which changes from run to run;
    sorted, equal models give equal files and DVC sees no change. TF.js does not depend on key order.
    """
    graph = json.loads(model_json.read_text())
    model_json.write_text(json.dumps(graph, sort_keys=True, separators=(",", ":")))
