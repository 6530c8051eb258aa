"""The sections of params.yaml other than `models:`, one schema each; defaults live here and nowhere else."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import ConfigDict, Field, model_validator

from xraylab.config.fields import (AtLeastOne, Boolean, Fraction, NamedMapping, NonNegative, OptionalText, Positive,
                                   Section, Seed, Text)
from xraylab.config.rules import Rule

DATA_SOURCES = ("sample", "kermany_url", "kaggle", "local", "mura", "synthetic")
TASKS = ("binary", "three_class")
BALANCE_METHODS = ("augment", "class_weight", "none")
PRECISIONS = ("auto", "mixed_float16", "float32")
# oneDNN's instruction-set names (ONEDNN_MAX_CPU_ISA), lower case, oldest first.
CPU_ISAS = ("sse41", "avx", "avx2", "avx2_vnni", "avx512_core", "avx512_core_vnni", "avx512_core_bf16",
            "avx512_core_amx")
# Metrics evaluate can rank models by; all are "higher is better".
SELECT_METRICS = ("roc_auc", "pr_auc", "accuracy", "balanced_accuracy", "f1", "cohen_kappa")
QUANTIZE = ("float16", "uint8", "none")

Source = Literal[DATA_SOURCES]
Task = Literal[TASKS]
BalanceMethod = Literal[BALANCE_METHODS]
Precision = Literal[PRECISIONS]
SelectMetric = Literal[SELECT_METRICS]
Quantize = Literal[QUANTIZE]
Isa = Literal[CPU_ISAS]
ImageCount = Annotated[int, Field(strict=True, ge=4)]
Pixels = Annotated[int, Field(strict=True, ge=32)]
Zoom = Annotated[float, Field(strict=True, gt=0, le=1)]  # 1 = no zoom
Brightness = Annotated[float, Field(strict=True, ge=0, lt=1)]
Spread = Annotated[float, Field(strict=True, ge=0, lt=1)]  # 0.2 = factors 0.8 to 1.2
Resamples = Annotated[int, Field(strict=True, ge=10)]
Confidence = Annotated[float, Field(strict=True, gt=0, lt=1, examples=[0.95])]
Bins = Annotated[int, Field(strict=True, ge=2)]
Opacity = Annotated[float, Field(strict=True, gt=0, le=1)]
Sha256 = Annotated[str, Field(strict=True, pattern=r"^[0-9a-f]{64}$")]


class KermanyUrlConfig(Section):
    """The public archive over HTTPS; verified against `sha256` before anything is unpacked."""

    url: OptionalText
    sha256: Annotated[Sha256 | None, Field(description="the archive's 64-digit lowercase hex SHA-256")]


class KaggleConfig(Section):
    dataset: Text


class LocalConfig(Section):
    """A folder in the Kermany layout, or any folder plus a labels CSV (path, label[, patient_id, split])."""

    path: OptionalText
    labels_csv: OptionalText


class MuraConfig(Section):
    path: OptionalText


class SyntheticConfig(Section):
    """Generated X-ray-like images with Kermany file names; for tests and benchmarks, never shown as real."""

    count: ImageCount
    pneumonia_fraction: Fraction
    min_size: Pixels
    max_size: Pixels
    seed: Seed

    @model_validator(mode="after")
    def _sizes(self) -> SyntheticConfig:
        if self.max_size < self.min_size:
            raise ValueError(f"data.synthetic.max_size must be >= data.synthetic.min_size, got {self.max_size} < "
                             f"{self.min_size}")
        return self


class DataConfig(Section):
    source: Source
    task: Task
    sample_dir: Text
    download_dir: Text
    kermany_url: KermanyUrlConfig
    kaggle: KaggleConfig
    local: LocalConfig
    mura: MuraConfig
    synthetic: SyntheticConfig

    @model_validator(mode="after")
    def _source_needs(self) -> DataConfig:
        """What the chosen source cannot do without; other sources' sections may stay unset."""
        if self.source == "mura" and self.task != "binary":
            raise ValueError(f"data.task must be binary for data.source mura (normal / abnormal), got {self.task!r}")
        if self.source == "kermany_url" and self.kermany_url.url is None:
            raise ValueError("data.kermany_url.url is required for data.source kermany_url: the download link of "
                             "ChestXRay2017.zip (doi:10.17632/rscbjbr9sj.2)")
        if self.source == "kermany_url" and self.kermany_url.sha256 is None:
            raise ValueError("data.kermany_url.sha256 is required for data.source kermany_url: the archive is "
                             "verified before anything is unpacked")
        if self.source == "local" and self.local.path is None:
            raise ValueError("data.local.path is required for data.source local: a folder in the Kermany layout "
                             "({train,test}/{NORMAL,PNEUMONIA}/) or any folder with data.local.labels_csv")
        if self.source == "mura" and self.mura.path is None:
            raise ValueError("data.mura.path is required for data.source mura: the MURA-v1.1 folder")
        return self


class SplitConfig(Section):
    val_fraction: Fraction
    test_fraction: Fraction
    seed: Seed

    @model_validator(mode="after")
    def _room_left_to_train(self) -> SplitConfig:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError("split.val_fraction + split.test_fraction must be below 1, "
                             f"got {self.val_fraction} + {self.test_fraction}")
        return self


class BalanceConfig(Section):
    method: BalanceMethod
    seed: Seed
    flip: Boolean
    min_zoom: Zoom
    max_brightness: Brightness
    max_contrast: Spread
    max_saturation: Spread


class TrainConfig(Section):
    models: Annotated[tuple[Text, ...], Field(min_length=1, description="a non-empty list of model names")]
    seed: Seed
    cache_images: Boolean  # keep decoded (and augmented) images in memory after the first epoch
    # auto: mixed_float16 on GPUs (float16 compute, about twice the throughput), float32 elsewhere;
    # mixed_float16 forces it on any device (on a CPU slowly: how the tests exercise the GPU's path)
    precision: Precision = "auto"

    @model_validator(mode="after")
    def _each_model_once(self) -> TrainConfig:
        if len(set(self.models)) != len(self.models):
            raise ValueError(f"train.models lists a model twice: {list(self.models)}")
        return self


class CpuConfig(Section):
    """Which CPU code path TensorFlow takes (xraylab.determinism.pin_cpu): the weights depend on it."""

    isa: Isa | None  # oneDNN's instruction-set cap, e.g. avx2; None: the best
    threads: AtLeastOne | None  # TensorFlow's intra-op threads; None: one per core


class ShiftConfig(Section):
    """One altered copy of the validation images (the perturbations of `xraylab.perturbations`, at fixed
    amounts); the defaults change nothing.

    contrast: factor around each image's mean; gamma: exponent on [0, 1] pixels (> 1 darkens); blur:
    Gaussian sigma in pixels of the model's input; noise: standard deviation of added Gaussian noise.
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{"gamma": 1.5}]})
    contrast: Positive = 1.0
    gamma: Positive = 1.0
    blur: NonNegative = 0.0
    noise: NonNegative = 0.0


class ExternalConfig(Section):
    """A labelled folder of films from elsewhere (the Kermany layout: NORMAL/, PNEUMONIA/), scored like test.

    `calibrate`: a threshold rule (xraylab.config.rules) applied to this set's own labels, scored beside the
    validation threshold: what a site that calibrates on its films would get (optimistic: the set chose it).
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{"path": "../films"}]})
    path: Text
    calibrate: Rule | None = None


class EvaluateConfig(Section):
    """`threshold`: a probability, or the rule that picks one on validation (xraylab.config.rules)."""

    threshold: Rule
    select_metric: SelectMetric
    bootstrap_resamples: Resamples
    bootstrap_seed: Seed
    confidence: Confidence
    calibration_bins: Bins
    shifts: Annotated[dict[str, ShiftConfig], NamedMapping, Field(
        description="a mapping of names to shifts, e.g. {dim: {contrast: 0.6}}")] = {}
    external: Annotated[dict[str, ExternalConfig], NamedMapping, Field(
        description="a mapping of names to labelled folders, e.g. {target: {path: ../films}}")] = {}


class GradcamConfig(Section):
    """The explanation gallery: Grad-CAM (at `layer`, or the last convolution) and occlusion maps."""

    per_outcome: AtLeastOne
    alpha: Opacity
    layer: OptionalText
    occlusion_patch: AtLeastOne
    occlusion_stride: AtLeastOne


class ConvertConfig(Section):
    quantize: Quantize


class GateConfig(Section):
    """The chest-film gate (xraylab/serve/gate.py): principal components of the training films' shrunk images,
    and thresholds keeping `keep` of held-out films, widened by `margin`."""

    size: Annotated[int, Field(strict=True, ge=8)] = 32
    components: AtLeastOne = 12
    keep: Annotated[float, Field(strict=True, ge=0.5, le=1, examples=[0.995])] = 0.995
    margin: Annotated[float, Field(strict=True, ge=1, le=3)] = 1.15  # 1.15: thresholds 15% above
