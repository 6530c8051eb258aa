"""The `models:` sections of params.yaml: one per model name, its `type` choosing the schema."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, BeforeValidator, Discriminator, Field, Tag

from xraylab.config.checks import (Choice, Integer, NonNegative, Number, OptionalText, Section, checked, is_integer,
                                   is_number, keyed, problem)

NORMALIZE = ("none", "standardize")
SCHEDULES = ("plateau", "cosine")
TRANSFER_MODES = ("finetune", "bottleneck")


def _jpeg_quality(quality: float) -> float:
    if not (quality == 0 or 1 <= quality <= 95):
        raise problem("must be a JPEG quality from 1 to 95 (or 0: off)")
    return quality


class AugmentConfig(Section):
    """Random changes drawn afresh for every image in every training epoch (never at inference); the names are
    those of `xraylab.perturbations`.

    Each is a strength; 0 leaves it out. contrast, brightness: the factor's range around 1 (or the offset's
    around 0); gamma: log-gamma drawn from [-gamma, gamma]; zoom, rotation (in turns), translate: fractions
    of the image; zoom_in: zooms in only, by up to this fraction (tighter framing, never a border added);
    noise: the standard deviation of added Gaussian noise; jpeg: the lowest quality (1-95) each image is
    re-encoded at as a JPEG, drawn from [jpeg, 95].
    """

    shape = "must be a mapping of strengths, e.g. {contrast: 0.3}"
    contrast: NonNegative = 0.0
    brightness: NonNegative = 0.0
    gamma: NonNegative = 0.0
    zoom: NonNegative = 0.0
    zoom_in: NonNegative = 0.0
    rotation: NonNegative = 0.0
    translate: NonNegative = 0.0
    noise: NonNegative = 0.0
    jpeg: Annotated[NonNegative, AfterValidator(_jpeg_quality)] = 0.0


Filters = checked(lambda value: value is None or (isinstance(value, (list, tuple)) and bool(value) and all(
    is_integer(count) and count > 0 for count in value)), "must be a non-empty list of positive integers")
Channels = checked(lambda value: value in (1, 3) and not isinstance(value, bool), "must be 1 (greyscale) or 3 (RGB)")
Momentum = checked(lambda value: value is None or (is_number(value) and 0 < value < 1),
                   "must be a momentum in (0, 1), e.g. 0.995, or null",
                   lambda value: None if value is None else float(value))


ImageSize = Integer(8)
Epochs = Integer(1)
BatchSize = Integer(1)
LearningRate = Number(0, low_open=True, message="must be positive")
Dropout = Number(0, 1, high_open=True)
Normalize = Choice(*NORMALIZE)
Schedule = Choice(*SCHEDULES)
TransferMode = Choice(*TRANSFER_MODES)
LabelSmoothing = Number(0, 0.5, high_open=True)
Folds = Integer(2)


class KerasFitConfig(Section):
    """What every Keras model is fitted with (`xraylab.training.train`), networks and transfer models alike."""

    image_size: ImageSize
    epochs: Epochs
    batch_size: BatchSize
    learning_rate: LearningRate
    dropout: Dropout
    label_smoothing: LabelSmoothing = 0.0
    # plateau: lr x0.1 when val loss stalls, stop early on it (MSc report); cosine: decay to 0 over all epochs,
    # no early stop (validation proved blind to the shift to the target films, so it should not end training).
    schedule: Schedule = "plateau"
    # keep an exponential moving average of the weights (this momentum a step) and save it
    ema: Annotated[float | None, Momentum] = None


class NetworkConfig(KerasFitConfig):
    """A Keras network trained from scratch on images by `xraylab.training.train`."""

    type: Literal["network"] = Field("network", exclude=True)
    channels: Annotated[int, Channels]
    # conv widths, for the networks whose shape is a param (custom_cnn)
    filters: Annotated[tuple[int, ...] | None, Filters] = None
    normalize: Normalize = "none"  # standardize: each image to mean 0 and deviation 1, inside the model
    augment: AugmentConfig = AugmentConfig()


class TransferConfig(KerasFitConfig):
    """A keras.applications backbone (3-channel input) with a GAP → dropout → dense head.

    `weights`: "imagenet" (from the Keras cache, never downloaded), null (random init) or a weights file.
    `mode`: finetune trains everything; bottleneck freezes the backbone and trains the head only.
    """

    type: Literal["transfer"] = Field("transfer", exclude=True)
    weights: OptionalText
    mode: TransferMode

    @property
    def channels(self) -> int:
        return 3  # ImageNet backbones take RGB; greyscale X-rays are decoded to three equal channels


Grid = checked(lambda value: isinstance(value, dict) and bool(value),
               "must be a mapping of hyper-parameter → list of values")
SearchValues = checked(lambda value: isinstance(value, (list, tuple)) and bool(value),
                       "must be a non-empty list of values to search", tuple)


class ClassicConfig(Section):
    """A scikit-learn model on flattened, down-sampled pixels; `grid` is searched by grouped CV."""

    type: Literal["classic"] = Field("classic", exclude=True)
    image_size: ImageSize
    cv_folds: Folds
    grid: Annotated[dict[str, Annotated[tuple[Any, ...], SearchValues]], Grid]


MODEL_TYPES = {"network": NetworkConfig, "transfer": TransferConfig, "classic": ClassicConfig}


def _model_type(section: Any) -> str | None:
    if isinstance(section, dict):
        return section.get("type")
    return getattr(section, "type", None)


def _section_first(section: Any) -> Any:
    if not isinstance(section, dict) and not isinstance(section, tuple(MODEL_TYPES.values())):
        raise problem("must be a mapping")
    if isinstance(section, dict) and section.get("type") not in tuple(MODEL_TYPES):  # a tuple: any value compares
        raise keyed(f".type must be one of {list(MODEL_TYPES)}, got {section.get('type')!r}")
    return section


ModelConfig = Annotated[
    Union[Annotated[NetworkConfig, Tag("network")], Annotated[TransferConfig, Tag("transfer")],
          Annotated[ClassicConfig, Tag("classic")]],
    Discriminator(_model_type), BeforeValidator(_section_first)]
