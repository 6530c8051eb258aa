from pathlib import Path

import pytest
import yaml

from xraylab import config
from xraylab.config import ClassicConfig, ConfigError, NetworkConfig

from conftest import REPO


def repo_params() -> dict:
    return yaml.safe_load((REPO / "params.yaml").read_text())


def test_repo_params_load_into_typed_sections():
    cfg = config.load(REPO / "params.yaml")
    assert cfg.data.source == "sample"
    assert isinstance(cfg.models["custom_cnn"], NetworkConfig)
    assert isinstance(cfg.models["rf"], ClassicConfig)
    assert cfg.models["rf"].grid["max_depth"] == (None, 12)
    assert set(cfg.train.models) <= set(cfg.models)


@pytest.mark.parametrize("section, key, value, message", [
    ("models.custom_cnn", "batch_size", -3, "models.custom_cnn.batch_size must be an integer >= 1, got -3"),
    ("models.custom_cnn", "epochs", True, "models.custom_cnn.epochs must be an integer >= 1, got True"),
    ("models.custom_cnn", "channels", 2, "models.custom_cnn.channels must be 1 (greyscale) or 3"),
    ("models.custom_cnn", "dropout", 1.5, "models.custom_cnn.dropout must be in [0, 1)"),
    ("models.rf", "grid", {"n_estimators": 100}, "models.rf.grid.n_estimators must be a non-empty list"),
    ("split", "val_fraction", 0.9, "split.val_fraction + split.test_fraction must be below 1"),
    ("data", "source", "kagle", "data.source must be one of ['sample', 'kermany_url', 'kaggle', 'local', "),
    ("data", "source", "kermany_url", "data.kermany_url.url is required for data.source kermany_url"),
    ("data", "source", "local", "data.local.path is required for data.source local"),
    ("data", "source", "mura", "data.mura.path is required for data.source mura"),
    ("data.kermany_url", "sha256", "abc", "data.kermany_url.sha256 must be the archive's 64-digit"),
    ("data.synthetic", "max_size", 100, "data.synthetic.max_size must be >= data.synthetic.min_size"),
    ("train", "models", ["custom_cnn", "rff"], "train.models[1] 'rff' is not a section of models"),
    ("balance", "min_zoom", 0, "balance.min_zoom must be in (0, 1]"),
    ("evaluate", "select_metric", "loss", "evaluate.select_metric must be one of"),
    ("evaluate", "threshold", "otsu", "evaluate.threshold must be a probability in (0, 1), youden or max_f1, "
                                      "sensitivity=<fraction> or specificity=<fraction>, got 'otsu'"),
    ("evaluate", "threshold", 1.5, "evaluate.threshold must be a probability in (0, 1), youden or max_f1, "
                                   "sensitivity=<fraction> or specificity=<fraction>, got 1.5"),
    ("evaluate", "threshold", "sensitivity=95", "evaluate.threshold must be a probability in (0, 1)"),
    ("evaluate", "external", ["../films"], "evaluate.external must be a mapping of names to labelled folders"),
    ("evaluate", "external", {"site": "../films"}, "evaluate.external.site must be a mapping, e.g. {path: ../films"),
    ("evaluate", "external", {"site": {"folder": "x"}}, "evaluate.external.site has unknown keys ['folder']"),
    ("evaluate", "external", {"site": {"path": ""}}, "evaluate.external.site.path must be a non-empty string"),
    ("evaluate", "external", {"site": {"path": "x", "calibrate": "best"}},
     "evaluate.external.site.calibrate must be a probability in (0, 1), youden or max_f1"),
    ("evaluate", "confidence", 95, "evaluate.confidence must be in (0, 1), e.g. 0.95, got 95"),
    ("evaluate", "shifts", {"dim": {"contrast": 0}}, "evaluate.shifts.dim.contrast must be > 0, got 0"),
    ("evaluate", "shifts", {"dim": {"exposure": 2}}, "evaluate.shifts.dim has unknown keys ['exposure']"),
    ("models.custom_cnn", "normalize", "clahe", "models.custom_cnn.normalize must be one of ['none', 'standardize']"),
    ("models.custom_cnn", "augment", {"contrast": -0.1}, "models.custom_cnn.augment.contrast must be >= 0"),
    ("models.custom_cnn", "augment", {"blur": 1}, "models.custom_cnn.augment has unknown keys ['blur']"),
    ("models.custom_cnn", "label_smoothing", 0.7, "models.custom_cnn.label_smoothing must be in [0, 0.5)"),
    ("models.custom_cnn", "schedule", "step", "models.custom_cnn.schedule must be one of ['plateau', 'cosine']"),
    ("models.custom_cnn", "ema", 1.0, "models.custom_cnn.ema must be a momentum in (0, 1), e.g. 0.995, or null"),
])
def test_bad_value_names_the_key(section, key, value, message):
    raw = repo_params()
    target = raw
    for part in section.split("."):
        target = target[part]
    target[key] = value
    with pytest.raises(ConfigError) as error:
        config.parse(raw)
    assert message in str(error.value)


def test_unknown_and_missing_keys_are_named():
    raw = repo_params()
    raw["models"]["custom_cnn"]["epoch"] = 3
    with pytest.raises(ConfigError, match=r"models.custom_cnn has unknown keys \['epoch'\]"):
        config.parse(raw)
    raw = repo_params()
    del raw["gradcam"]["alpha"]
    with pytest.raises(ConfigError, match="gradcam.alpha is missing"):
        config.parse(raw)
    raw = repo_params()
    del raw["convert"]
    with pytest.raises(ConfigError, match="params has no 'convert' section"):
        config.parse(raw)


def test_kermany_url_needs_a_real_checksum():
    raw = repo_params()
    raw["data"].update(source="kermany_url")
    raw["data"]["kermany_url"] = {"url": "https://example.org/ChestXRay2017.zip", "sha256": "A" * 64}
    with pytest.raises(ConfigError, match="64-digit lowercase hex SHA-256, got 'AAAA"):
        config.parse(raw)
    raw["data"]["kermany_url"]["sha256"] = "a" * 64
    assert config.parse(raw).data.kermany_url.sha256 == "a" * 64


def test_mura_is_binary_only():
    raw = repo_params()
    raw["data"].update(source="mura", task="three_class")
    raw["data"]["mura"]["path"] = "MURA-v1.1"
    with pytest.raises(ConfigError, match="data.task must be binary for data.source mura"):
        config.parse(raw)


def test_the_whole_zoo_has_params_and_transfer_sections_are_typed():
    cfg = config.load(REPO / "params.yaml")
    from xraylab import models
    assert set(models.names()) <= set(cfg.models)
    resnet = cfg.models["resnet50"]
    assert isinstance(resnet, config.TransferConfig) and resnet.mode == "bottleneck" and resnet.channels == 3
    raw = repo_params()
    raw["models"]["resnet50"]["mode"] = "frozen"
    with pytest.raises(ConfigError, match=r"models.resnet50.mode must be one of \['finetune', 'bottleneck'\]"):
        config.parse(raw)


def test_warmup_phases_are_typed_and_need_finetuning():
    raw = repo_params()
    lite = raw["models"]["efficientnet_lite0"]
    lite.update(mode="finetune", warmup=[{"epochs": 1, "learning_rate": 0.001, "unfreeze": 0},
                                         {"epochs": 2, "learning_rate": 0.0003, "unfreeze": 0.3}])
    phases = config.parse(raw).models["efficientnet_lite0"].warmup
    assert [(phase.epochs, phase.unfreeze) for phase in phases] == [(1, 0.0), (2, 0.3)]
    lite["warmup"][1]["unfreeze"] = 1.5
    with pytest.raises(ConfigError, match=r"^models\.efficientnet_lite0\.warmup\[1\]\.unfreeze must be a share of the "
                                          r"backbone's layers, from 0 \(none: the head alone\) to 1 \(all\), got 1\.5$"):
        config.parse(raw)
    lite["warmup"][1]["unfreeze"] = 0.3
    lite["mode"] = "bottleneck"
    with pytest.raises(ConfigError, match=r"^models\.efficientnet_lite0\.warmup needs mode: finetune \(a bottleneck "
                                          r"backbone never unfreezes\), got mode: bottleneck$"):
        config.parse(raw)


def test_model_type_is_checked():
    raw = repo_params()
    raw["models"]["rf"]["type"] = "tree"
    with pytest.raises(ConfigError, match=r"models\.rf\.type must be one of \['network', 'transfer', 'classic'\], got 'tree'"):
        config.parse(raw)


def test_missing_or_broken_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="not found"):
        config.load(tmp_path / "params.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("data: [unclosed\n")
    with pytest.raises(ConfigError, match="is not valid YAML"):
        config.load(broken)


def test_robustness_knobs_are_optional_and_parsed():
    raw = repo_params()
    plain = config.parse(raw).models["custom_cnn"]
    assert (plain.normalize, plain.augment, plain.label_smoothing) == ("none", config.AugmentConfig(), 0.0)
    raw["models"]["custom_cnn"].update(normalize="standardize", label_smoothing=0.1,
                                       augment={"contrast": 0.3, "gamma": 0.2})
    tuned = config.parse(raw).models["custom_cnn"]
    assert tuned.augment == config.AugmentConfig(contrast=0.3, gamma=0.2) and tuned.normalize == "standardize"
    assert config.parse(raw).evaluate.shifts["darker"] == config.ShiftConfig(gamma=1.5)


def test_external_sets_are_absent_by_default_and_read_when_given():
    raw = repo_params()
    assert config.parse(raw).evaluate.external == {}
    raw["evaluate"]["external"] = {"target": {"path": "../films", "calibrate": "sensitivity=0.95"},
                                   "plain": {"path": "../other"}}
    external = config.parse(raw).evaluate.external
    assert external == {"target": config.ExternalConfig(path="../films", calibrate="sensitivity=0.95"),
                        "plain": config.ExternalConfig(path="../other", calibrate=None)}


def leaves(tree: dict, prefix: str = "") -> list[str]:
    """The dotted key of every value in a params mapping (an empty mapping is a value too)."""
    found = []
    for key, value in tree.items():
        if isinstance(value, dict) and value:
            found += leaves(value, f"{prefix}{key}.")
        else:
            found.append(f"{prefix}{key}")
    return found


def test_every_key_of_params_yaml_names_itself_when_wrong():
    """The schema alone words the error: a value of the wrong kind anywhere gets one line starting with its key."""
    keys = leaves(repo_params())
    assert len(keys) > 140  # every model's section included
    for key in keys:
        raw = repo_params()
        *parents, leaf = key.split(".")
        section = raw
        for parent in parents:
            section = section[parent]
        section[leaf] = {"wrong": [1]}  # a mapping where a value should be, or an unknown key in a mapping
        with pytest.raises(ConfigError) as error:
            config.parse(raw)
        message = str(error.value)
        assert message.startswith(key) and "\n" not in message, (key, message)
