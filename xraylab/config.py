"""params.yaml → frozen dataclasses, validated once at a stage's entry.

Every check names the key it is about, so a user who mistypes a value in params.yaml reads
`train.models[1] 'rff' is not a section of models: ...` instead of a traceback from deep inside Keras.
Nothing below a stage's entry point reads params.yaml; it receives these objects instead.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Mapping

import yaml

from xraylab.errors import UserError
from xraylab.evaluation import thresholds


class ConfigError(UserError):
    """A value in params.yaml is missing or wrong; the message names the key."""


@dataclass(frozen=True)
class KermanyUrlConfig:
    """The public archive over HTTPS; verified against `sha256` before anything is unpacked."""

    url: str | None
    sha256: str | None


@dataclass(frozen=True)
class KaggleConfig:
    dataset: str


@dataclass(frozen=True)
class LocalConfig:
    """A folder in the Kermany layout, or any folder plus a labels CSV (path, label[, patient_id, split])."""

    path: str | None
    labels_csv: str | None


@dataclass(frozen=True)
class MuraConfig:
    path: str | None


@dataclass(frozen=True)
class SyntheticConfig:
    """Generated X-ray-like images with Kermany file names; for tests and benchmarks, never shown as real."""

    count: int
    pneumonia_fraction: float
    min_size: int
    max_size: int
    seed: int


@dataclass(frozen=True)
class DataConfig:
    source: str
    task: str
    sample_dir: str
    download_dir: str
    kermany_url: KermanyUrlConfig
    kaggle: KaggleConfig
    local: LocalConfig
    mura: MuraConfig
    synthetic: SyntheticConfig


@dataclass(frozen=True)
class SplitConfig:
    val_fraction: float
    test_fraction: float
    seed: int


@dataclass(frozen=True)
class BalanceConfig:
    method: str
    seed: int
    flip: bool
    min_zoom: float
    max_brightness: float
    max_contrast: float
    max_saturation: float


@dataclass(frozen=True)
class TrainConfig:
    models: tuple[str, ...]
    seed: int
    cache_images: bool  # keep decoded (and augmented) images in memory after the first epoch
    # auto: mixed_float16 on GPUs (float16 compute, about twice the throughput), float32 elsewhere;
    # mixed_float16 forces it on any device (on a CPU slowly: how the tests exercise the GPU's path)
    precision: str = "auto"


PRECISIONS = ("auto", "mixed_float16", "float32")


@dataclass(frozen=True)
class CpuConfig:
    """Which CPU code path TensorFlow takes (xraylab.determinism.pin_cpu): the weights depend on it."""
    isa: str | None  # oneDNN's instruction-set cap, e.g. avx2; None: the best this CPU has
    threads: int | None  # TensorFlow's intra-op threads; None: one per core


# oneDNN's instruction-set names (ONEDNN_MAX_CPU_ISA), lower case, oldest first.
CPU_ISAS = ("sse41", "avx", "avx2", "avx2_vnni", "avx512_core", "avx512_core_vnni", "avx512_core_bf16",
            "avx512_core_amx")


@dataclass(frozen=True)
class AugmentConfig:
    """Random changes drawn afresh for every image in every training epoch (never at inference).

    Each is a strength; 0 leaves it out. contrast, brightness: the factor's range around 1 (or the offset's
    around 0); gamma: log-gamma drawn from [-gamma, gamma]; zoom, rotation (in turns), translate: fractions
    of the image; zoom_in: zooms in only, by up to this fraction (tighter framing, never a border added);
    noise: the standard deviation of added Gaussian noise; jpeg: the lowest quality (1-95) each image is
    re-encoded at as a JPEG, drawn from [jpeg, 95].
    """

    contrast: float = 0.0
    brightness: float = 0.0
    gamma: float = 0.0
    zoom: float = 0.0
    zoom_in: float = 0.0
    rotation: float = 0.0
    translate: float = 0.0
    noise: float = 0.0
    jpeg: float = 0.0


@dataclass(frozen=True)
class NetworkConfig:
    """A Keras network trained from scratch on images by `xraylab.training.train`."""

    image_size: int
    channels: int
    epochs: int
    batch_size: int
    learning_rate: float
    dropout: float
    filters: tuple[int, ...] | None = None  # conv widths, for the networks whose shape is a param (custom_cnn)
    normalize: str = "none"  # none | standardize: each image to mean 0 and deviation 1, inside the model
    augment: AugmentConfig = AugmentConfig()
    label_smoothing: float = 0.0
    # plateau: lr x0.1 when val loss stalls, stop early on it (MSc report); cosine: decay to 0 over all epochs,
    # no early stop (validation proved blind to the shift to the target films, so it should not end training).
    schedule: str = "plateau"
    ema: float | None = None  # keep an exponential moving average of the weights (this momentum a step); save it


@dataclass(frozen=True)
class TransferConfig:
    """A keras.applications backbone (3-channel input) with a GAP → dropout → dense head.

    `weights`: "imagenet" (from the Keras cache, never downloaded), null (random init) or a weights file.
    `mode`: finetune trains everything; bottleneck freezes the backbone and trains the head only.
    """

    image_size: int
    epochs: int
    batch_size: int
    learning_rate: float
    dropout: float
    weights: str | None
    mode: str

    @property
    def channels(self) -> int:
        return 3  # ImageNet backbones take RGB; greyscale X-rays are decoded to three equal channels


@dataclass(frozen=True)
class ClassicConfig:
    """A scikit-learn model on flattened, down-sampled pixels; `grid` is searched by grouped CV."""

    image_size: int
    cv_folds: int
    grid: Mapping[str, tuple[Any, ...]]


ModelConfig = NetworkConfig | TransferConfig | ClassicConfig


@dataclass(frozen=True)
class ShiftConfig:
    """One altered copy of the validation images; the defaults change nothing.

    contrast: factor around each image's mean; gamma: exponent on [0, 1] pixels (> 1 darkens); blur:
    Gaussian sigma in pixels of the model's input; noise: standard deviation of added Gaussian noise.
    """

    contrast: float = 1.0
    gamma: float = 1.0
    blur: float = 0.0
    noise: float = 0.0


@dataclass(frozen=True)
class ExternalConfig:
    """A labelled folder of films from elsewhere (the Kermany layout: NORMAL/, PNEUMONIA/), scored like test.

    `calibrate`: a threshold rule (xraylab.evaluation.thresholds) applied to this set's own labels, scored beside the
    validation threshold: what a site that calibrates on its films would get (optimistic: the set chose it).
    """

    path: str
    calibrate: float | str | None = None


@dataclass(frozen=True)
class EvaluateConfig:
    """`threshold`: a probability, or the rule that picks one on validation (xraylab.evaluation.thresholds)."""

    threshold: float | str
    select_metric: str
    bootstrap_resamples: int
    bootstrap_seed: int
    confidence: float
    calibration_bins: int
    shifts: Mapping[str, ShiftConfig] = field(default_factory=dict)
    external: Mapping[str, ExternalConfig] = field(default_factory=dict)


@dataclass(frozen=True)
class GradcamConfig:
    """The explanation gallery: Grad-CAM (at `layer`, or the last convolution) and occlusion maps."""

    per_outcome: int
    alpha: float
    layer: str | None
    occlusion_patch: int
    occlusion_stride: int


@dataclass(frozen=True)
class ConvertConfig:
    quantize: str


@dataclass(frozen=True)
class Config:
    data: DataConfig
    split: SplitConfig
    balance: BalanceConfig
    train: TrainConfig
    cpu: CpuConfig
    models: Mapping[str, ModelConfig]
    evaluate: EvaluateConfig
    gradcam: GradcamConfig
    convert: ConvertConfig


DATA_SOURCES = ("sample", "kermany_url", "kaggle", "local", "mura", "synthetic")
TASKS = ("binary", "three_class")
BALANCE_METHODS = ("augment", "class_weight", "none")
MODEL_TYPES = {"network": NetworkConfig, "transfer": TransferConfig, "classic": ClassicConfig}
TRANSFER_MODES = ("finetune", "bottleneck")
NORMALIZE = ("none", "standardize")
SCHEDULES = ("plateau", "cosine")
# Metrics evaluate can rank models by; all are "higher is better".
SELECT_METRICS = ("roc_auc", "pr_auc", "accuracy", "balanced_accuracy", "f1", "cohen_kappa")
QUANTIZE = ("float16", "none")


def load(path: Path | str = "params.yaml") -> Config:
    """Read and validate a params file."""
    return parse(read_mapping(path, "params file", "run from the repository root or pass --params"))


def read_mapping(path: Path | str, what: str, hint: str) -> dict[str, Any]:
    """A YAML file holding a mapping; `what` and `hint` word the error when it is missing."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{what} {path} not found; {hint}")
    with path.open() as stream:
        try:
            raw = yaml.safe_load(stream)
        except yaml.YAMLError as error:
            raise ConfigError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{path} must hold a mapping of sections, got {type(raw).__name__}")
    return raw


def parse(raw: Mapping[str, Any]) -> Config:
    """Validate an already-parsed params mapping."""
    models = {name: _model(f"models.{name}", section)
              for name, section in _section(raw, "models").items()}
    train = _train(_section(raw, "train"), models)
    return Config(
        data=_data(_section(raw, "data")),
        split=_split(_section(raw, "split")),
        balance=_balance(_section(raw, "balance")),
        train=train,
        cpu=_cpu(_section(raw, "cpu")),
        models=models,
        evaluate=_evaluate(_section(raw, "evaluate")),
        gradcam=_gradcam(_section(raw, "gradcam")),
        convert=_convert(_section(raw, "convert")),
    )


def _data(section: Mapping[str, Any]) -> DataConfig:
    _only_keys("data", section, DataConfig)
    source = _choice("data.source", section, DATA_SOURCES)
    task = _choice("data.task", section, TASKS)
    if source == "mura" and task != "binary":
        raise ConfigError(f"data.task must be binary for data.source mura (normal / abnormal), got {task!r}")

    url_section = _subsection("data.kermany_url", section)
    _only_keys("data.kermany_url", url_section, KermanyUrlConfig)
    kermany_url = KermanyUrlConfig(_optional_string("data.kermany_url.url", url_section),
                                   _optional_string("data.kermany_url.sha256", url_section))
    kaggle_section = _subsection("data.kaggle", section)
    _only_keys("data.kaggle", kaggle_section, KaggleConfig)
    local_section = _subsection("data.local", section)
    _only_keys("data.local", local_section, LocalConfig)
    local = LocalConfig(_optional_string("data.local.path", local_section),
                        _optional_string("data.local.labels_csv", local_section))
    mura_section = _subsection("data.mura", section)
    _only_keys("data.mura", mura_section, MuraConfig)
    mura = MuraConfig(_optional_string("data.mura.path", mura_section))

    if kermany_url.sha256 is not None and not re.fullmatch(r"[0-9a-f]{64}", kermany_url.sha256):
        raise ConfigError("data.kermany_url.sha256 must be the archive's 64-digit lowercase hex SHA-256, "
                          f"got {kermany_url.sha256!r}")
    # What the chosen source cannot do without; other sources' sections may stay unset.
    if source == "kermany_url":
        if kermany_url.url is None:
            raise ConfigError("data.kermany_url.url is required for data.source kermany_url: "
                              "the download link of ChestXRay2017.zip (doi:10.17632/rscbjbr9sj.2)")
        if kermany_url.sha256 is None:
            raise ConfigError("data.kermany_url.sha256 is required for data.source kermany_url: "
                              "the archive is verified before anything is unpacked")
    if source == "local" and local.path is None:
        raise ConfigError("data.local.path is required for data.source local: a folder in the Kermany layout "
                          "({train,test}/{NORMAL,PNEUMONIA}/) or any folder with data.local.labels_csv")
    if source == "mura" and mura.path is None:
        raise ConfigError("data.mura.path is required for data.source mura: the MURA-v1.1 folder")

    return DataConfig(
        source=source,
        task=task,
        sample_dir=_string("data.sample_dir", section),
        download_dir=_string("data.download_dir", section),
        kermany_url=kermany_url,
        kaggle=KaggleConfig(_string("data.kaggle.dataset", kaggle_section)),
        local=local,
        mura=mura,
        synthetic=_synthetic(_subsection("data.synthetic", section)),
    )


def _synthetic(section: Mapping[str, Any]) -> SyntheticConfig:
    _only_keys("data.synthetic", section, SyntheticConfig)
    min_size = _integer("data.synthetic.min_size", section, minimum=32)
    max_size = _integer("data.synthetic.max_size", section, minimum=32)
    if max_size < min_size:
        raise ConfigError(f"data.synthetic.max_size must be >= data.synthetic.min_size, got {max_size} < {min_size}")
    return SyntheticConfig(
        count=_integer("data.synthetic.count", section, minimum=4),
        pneumonia_fraction=_fraction("data.synthetic.pneumonia_fraction", section),
        min_size=min_size,
        max_size=max_size,
        seed=_integer("data.synthetic.seed", section, minimum=0),
    )


def _split(section: Mapping[str, Any]) -> SplitConfig:
    _only_keys("split", section, SplitConfig)
    val_fraction = _fraction("split.val_fraction", section)
    test_fraction = _fraction("split.test_fraction", section)
    if val_fraction + test_fraction >= 1:
        raise ConfigError("split.val_fraction + split.test_fraction must be below 1, "
                          f"got {val_fraction} + {test_fraction}")
    return SplitConfig(val_fraction, test_fraction, _integer("split.seed", section, minimum=0))


def _balance(section: Mapping[str, Any]) -> BalanceConfig:
    _only_keys("balance", section, BalanceConfig)
    min_zoom = _number("balance.min_zoom", section)
    if not 0 < min_zoom <= 1:
        raise ConfigError(f"balance.min_zoom must be in (0, 1] (1 = no zoom), got {min_zoom}")
    max_brightness = _number("balance.max_brightness", section)
    if not 0 <= max_brightness < 1:
        raise ConfigError(f"balance.max_brightness must be in [0, 1), got {max_brightness}")
    amounts = {}
    for key in ("max_contrast", "max_saturation"):
        amounts[key] = _number(f"balance.{key}", section)
        if not 0 <= amounts[key] < 1:
            raise ConfigError(f"balance.{key} must be in [0, 1) (0.2 = factors 0.8 to 1.2), got {amounts[key]}")
    return BalanceConfig(
        method=_choice("balance.method", section, BALANCE_METHODS),
        seed=_integer("balance.seed", section, minimum=0),
        flip=_boolean("balance.flip", section),
        min_zoom=min_zoom,
        max_brightness=max_brightness,
        **amounts,
    )


def _train(section: Mapping[str, Any], models: Mapping[str, ModelConfig]) -> TrainConfig:
    _only_keys("train", section, TrainConfig)
    names = _value("train.models", section)
    if not isinstance(names, list) or not names:
        raise ConfigError(f"train.models must be a non-empty list of model names, got {names!r}")
    for index, name in enumerate(names):
        if name not in models:
            raise ConfigError(f"train.models[{index}] {name!r} is not a section of models: "
                              f"known {sorted(models)}")
    if len(set(names)) != len(names):
        raise ConfigError(f"train.models lists a model twice: {names}")
    return TrainConfig(models=tuple(names), seed=_integer("train.seed", section, minimum=0),
                       cache_images=_boolean("train.cache_images", section),
                       precision=_choice("train.precision", section, PRECISIONS) if "precision" in section
                       else TrainConfig.precision)


def _cpu(section: Mapping[str, Any]) -> CpuConfig:
    _only_keys("cpu", section, CpuConfig)
    isa = _value("cpu.isa", section)
    if isa is not None and isa not in CPU_ISAS:
        raise ConfigError(f"cpu.isa must be null or one of {list(CPU_ISAS)}, got {isa!r}")
    threads = _value("cpu.threads", section)
    return CpuConfig(isa=isa, threads=None if threads is None else _integer("cpu.threads", section, minimum=1))


def _model(key: str, section: Any) -> ModelConfig:
    if not isinstance(section, dict):
        raise ConfigError(f"{key} must be a mapping, got {section!r}")
    model_type = _choice(f"{key}.type", section, tuple(MODEL_TYPES))
    body = {name: value for name, value in section.items() if name != "type"}
    config_type = MODEL_TYPES[model_type]
    _only_keys(key, body, config_type)
    image_size = _integer(f"{key}.image_size", body, minimum=8)
    if config_type is ClassicConfig:
        return ClassicConfig(
            image_size=image_size,
            cv_folds=_integer(f"{key}.cv_folds", body, minimum=2),
            grid=_grid(f"{key}.grid", body),
        )
    dropout = _number(f"{key}.dropout", body)
    if not 0 <= dropout < 1:
        raise ConfigError(f"{key}.dropout must be in [0, 1), got {dropout}")
    learning_rate = _number(f"{key}.learning_rate", body)
    if learning_rate <= 0:
        raise ConfigError(f"{key}.learning_rate must be positive, got {learning_rate}")
    common = {"image_size": image_size, "epochs": _integer(f"{key}.epochs", body, minimum=1),
              "batch_size": _integer(f"{key}.batch_size", body, minimum=1),
              "learning_rate": learning_rate, "dropout": dropout}
    if config_type is TransferConfig:
        return TransferConfig(**common, weights=_optional_string(f"{key}.weights", body),
                              mode=_choice(f"{key}.mode", body, TRANSFER_MODES))
    channels = _integer(f"{key}.channels", body, minimum=1)
    if channels not in (1, 3):
        raise ConfigError(f"{key}.channels must be 1 (greyscale) or 3 (RGB), got {channels}")
    filters = body.get("filters")
    if filters is not None and (not isinstance(filters, list) or not filters
                                or not all(isinstance(count, int) and count > 0 for count in filters)):
        raise ConfigError(f"{key}.filters must be a non-empty list of positive integers, got {filters!r}")
    label_smoothing = _number(f"{key}.label_smoothing", body) if "label_smoothing" in body else 0.0
    if not 0 <= label_smoothing < 0.5:
        raise ConfigError(f"{key}.label_smoothing must be in [0, 0.5), got {label_smoothing}")
    ema = body.get("ema")
    if ema is not None and (isinstance(ema, bool) or not isinstance(ema, (int, float)) or not 0 < ema < 1):
        raise ConfigError(f"{key}.ema must be a momentum in (0, 1), e.g. 0.995, or null, got {ema!r}")
    return NetworkConfig(**common, channels=channels, filters=tuple(filters) if filters else None,
                         normalize=_choice(f"{key}.normalize", body, NORMALIZE) if "normalize" in body else "none",
                         augment=_augment(f"{key}.augment", body.get("augment", {})),
                         label_smoothing=label_smoothing,
                         schedule=_choice(f"{key}.schedule", body, SCHEDULES) if "schedule" in body else "plateau",
                         ema=None if ema is None else float(ema))


def _augment(key: str, section: Any) -> AugmentConfig:
    if not isinstance(section, dict):
        raise ConfigError(f"{key} must be a mapping of strengths, e.g. {{contrast: 0.3}}, got {section!r}")
    _only_keys(key, section, AugmentConfig)
    strengths = {name: _number(f"{key}.{name}", section) for name in section}
    negative = [name for name, value in strengths.items() if value < 0]
    if negative:
        raise ConfigError(f"{key}.{negative[0]} must be >= 0, got {strengths[negative[0]]}")
    if not (strengths.get("jpeg", 0) == 0 or 1 <= strengths["jpeg"] <= 95):
        raise ConfigError(f"{key}.jpeg must be a JPEG quality from 1 to 95 (or 0: off), got {strengths['jpeg']}")
    return AugmentConfig(**strengths)


def _grid(key: str, section: Mapping[str, Any]) -> Mapping[str, tuple[Any, ...]]:
    grid = _value(key, section)
    if not isinstance(grid, dict) or not grid:
        raise ConfigError(f"{key} must be a mapping of hyper-parameter → list of values, got {grid!r}")
    for name, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{key}.{name} must be a non-empty list of values to search, got {values!r}")
    return {name: tuple(values) for name, values in grid.items()}


def _evaluate(section: Mapping[str, Any]) -> EvaluateConfig:
    _only_keys("evaluate", section, EvaluateConfig)
    threshold = _rule("evaluate.threshold", _value("evaluate.threshold", section))
    confidence = _number("evaluate.confidence", section)
    if not 0 < confidence < 1:
        raise ConfigError(f"evaluate.confidence must be in (0, 1), e.g. 0.95, got {confidence}")
    return EvaluateConfig(threshold, _choice("evaluate.select_metric", section, SELECT_METRICS),
                          bootstrap_resamples=_integer("evaluate.bootstrap_resamples", section, minimum=10),
                          bootstrap_seed=_integer("evaluate.bootstrap_seed", section, minimum=0),
                          confidence=confidence,
                          calibration_bins=_integer("evaluate.calibration_bins", section, minimum=2),
                          shifts=_shifts("evaluate.shifts", section.get("shifts") or {}),
                          external=_external("evaluate.external", section.get("external") or {}))


def _rule(key: str, value: Any) -> float | str:
    try:
        return thresholds.check_rule(value, key)
    except UserError as error:
        raise ConfigError(str(error)) from None


def _external(key: str, section: Any) -> dict[str, ExternalConfig]:
    if not isinstance(section, dict):
        raise ConfigError(f"{key} must map names to labelled folders, e.g. {{target: {{path: ../films}}}}, "
                          f"got {section!r}")
    sets = {}
    for name, entry in section.items():
        if not isinstance(entry, dict):
            raise ConfigError(f"{key}.{name} must be a mapping such as {{path: ../films, calibrate: youden}}, "
                              f"got {entry!r}")
        _only_keys(f"{key}.{name}", entry, ExternalConfig)
        calibrate = entry.get("calibrate")
        sets[str(name)] = ExternalConfig(
            path=_string(f"{key}.{name}.path", entry),
            calibrate=None if calibrate is None else _rule(f"{key}.{name}.calibrate", calibrate))
    return sets


def _shifts(key: str, section: Any) -> dict[str, ShiftConfig]:
    if not isinstance(section, dict):
        raise ConfigError(f"{key} must map names to shifts, e.g. {{dim: {{contrast: 0.6}}}}, got {section!r}")
    shifts = {}
    for name, shift in section.items():
        if not isinstance(shift, dict):
            raise ConfigError(f"{key}.{name} must be a mapping such as {{gamma: 1.5}}, got {shift!r}")
        _only_keys(f"{key}.{name}", shift, ShiftConfig)
        values = {field_name: _number(f"{key}.{name}.{field_name}", shift) for field_name in shift}
        for field_name, value in values.items():
            factor = field_name in ("contrast", "gamma")  # a factor or exponent: 0 would erase the image
            if value < 0 or (factor and value == 0):
                raise ConfigError(f"{key}.{name}.{field_name} must be {'> 0' if factor else '>= 0'}, got {value}")
        shifts[str(name)] = ShiftConfig(**values)
    return shifts


def _gradcam(section: Mapping[str, Any]) -> GradcamConfig:
    _only_keys("gradcam", section, GradcamConfig)
    alpha = _number("gradcam.alpha", section)
    if not 0 < alpha <= 1:
        raise ConfigError(f"gradcam.alpha must be in (0, 1], got {alpha}")
    return GradcamConfig(_integer("gradcam.per_outcome", section, minimum=1), alpha,
                         layer=_optional_string("gradcam.layer", section),
                         occlusion_patch=_integer("gradcam.occlusion_patch", section, minimum=1),
                         occlusion_stride=_integer("gradcam.occlusion_stride", section, minimum=1))


def _convert(section: Mapping[str, Any]) -> ConvertConfig:
    _only_keys("convert", section, ConvertConfig)
    return ConvertConfig(_choice("convert.quantize", section, QUANTIZE))


# Small typed readers: each raises a ConfigError naming the full key.

def _section(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    if name not in raw:
        raise ConfigError(f"params has no '{name}' section")
    section = raw[name]
    if not isinstance(section, dict):
        raise ConfigError(f"{name} must be a mapping, got {section!r}")
    return section


def _only_keys(key: str, section: Mapping[str, Any], config_type: type) -> None:
    known = {field.name for field in fields(config_type)}
    unknown = sorted(set(section) - known)
    if unknown:
        raise ConfigError(f"{key} has unknown keys {unknown}; expected {sorted(known)}")


def _value(key: str, section: Mapping[str, Any]) -> Any:
    name = key.rsplit(".", 1)[-1]
    if name not in section:
        raise ConfigError(f"{key} is missing")
    return section[name]


def _subsection(key: str, section: Mapping[str, Any]) -> Mapping[str, Any]:
    value = _value(key, section)
    if not isinstance(value, dict):
        raise ConfigError(f"{key} must be a mapping, got {value!r}")
    return value


def _optional_string(key: str, section: Mapping[str, Any]) -> str | None:
    value = _value(key, section)
    if value is not None and (not isinstance(value, str) or not value):
        raise ConfigError(f"{key} must be a non-empty string or null, got {value!r}")
    return value


def _string(key: str, section: Mapping[str, Any]) -> str:
    value = _value(key, section)
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{key} must be a non-empty string, got {value!r}")
    return value


def _choice(key: str, section: Mapping[str, Any], choices: tuple[str, ...]) -> str:
    value = _value(key, section)
    if value not in choices:
        raise ConfigError(f"{key} must be one of {list(choices)}, got {value!r}")
    return value


def _boolean(key: str, section: Mapping[str, Any]) -> bool:
    value = _value(key, section)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false, got {value!r}")
    return value


def _integer(key: str, section: Mapping[str, Any], minimum: int) -> int:
    value = _value(key, section)
    # bool is an int subclass; `epochs: true` is a typo, not 1.
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise ConfigError(f"{key} must be an integer >= {minimum}, got {value!r}")
    return value


def _number(key: str, section: Mapping[str, Any]) -> float:
    value = _value(key, section)
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        raise ConfigError(f"{key} must be a number, got {value!r}")
    return float(value)


def _fraction(key: str, section: Mapping[str, Any]) -> float:
    value = _number(key, section)
    if not 0 < value < 1:
        raise ConfigError(f"{key} must be a fraction in (0, 1), got {value}")
    return value
