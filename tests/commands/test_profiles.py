"""Profiles become `dvc exp run -S` options, and only when they make a valid config."""
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from conftest import REPO
from xraylab import config
from xraylab.commands import app, profiles
from xraylab.config import ConfigError


def apply(options: list[str], params: dict) -> dict:
    """What DVC does with the options: set each dotted key to the YAML value."""
    for flag, pair in zip(options[::2], options[1::2]):
        assert flag == "-S"
        key, value = pair.split("=", 1)
        key = key.removeprefix("+")  # Hydra's "add this key"
        section = params
        *parents, leaf = key.split(".")
        for parent in parents:
            section = section.setdefault(parent, {})
        section[leaf] = yaml.safe_load(value)
    return params


def test_the_gpu_profile_sets_a_valid_full_scale_config():
    options = profiles.set_options(REPO / "profiles" / "gpu.yaml", REPO / "params.yaml")
    assert all(" " not in option for option in options)  # each stays one shell word
    assert "models.resnet50.image_size=224" in options and "data.source=\"kaggle\"" in options
    cfg = config.parse(apply(options, yaml.safe_load((REPO / "params.yaml").read_text())))
    assert len(cfg.train.models) == 12 and cfg.data.source == "kaggle"
    assert cfg.models["custom_cnn"].filters == (32, 64, 128, 256) and cfg.models["custom_cnn"].epochs == 30
    assert cfg.models["resnet50"].mode == "bottleneck"  # untouched keys keep params.yaml's values


def test_the_release_profile_adds_keys_params_yaml_lacks():
    options = profiles.set_options(REPO / "profiles" / "release.yaml", REPO / "params.yaml")
    assert "+models.custom_cnn.augment.gamma=0.3" in options  # absent from params.yaml: DVC needs the "+"
    assert "models.custom_cnn.normalize=\"standardize\"" in options
    cfg = config.parse(apply(options, yaml.safe_load((REPO / "params.yaml").read_text())))
    assert cfg.train.models == ("custom_cnn",) and cfg.data.source == "local"
    assert cfg.models["custom_cnn"].augment.noise == 0.03 and cfg.models["custom_cnn"].normalize == "standardize"


def test_a_profile_that_breaks_the_config_is_refused(tmp_path: Path):
    profile = tmp_path / "bad.yaml"
    profile.write_text("models:\n  custom_cnn: {batch_size: -3}\n")
    with pytest.raises(ConfigError, match=r"bad.yaml applied to .*params.yaml: models.custom_cnn.batch_size"):
        profiles.set_options(profile, REPO / "params.yaml")
    with pytest.raises(ConfigError, match="profile .*missing.yaml not found"):
        profiles.set_options(tmp_path / "missing.yaml", REPO / "params.yaml")


def test_the_command_prints_a_runnable_line(tmp_path: Path):
    profile = tmp_path / "small.yaml"
    profile.write_text("train: {models: [custom_cnn]}\nmodels: {custom_cnn: {image_size: 64}}\n")
    result = CliRunner().invoke(app, ["profile", str(profile), "--params", str(REPO / "params.yaml")])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("dvc exp run -S 'train.models=[\"custom_cnn\"]' "
                                     "-S models.custom_cnn.image_size=64")


def test_the_command_adds_overrides_after_the_profile(tmp_path: Path):
    profile = tmp_path / "small.yaml"
    profile.write_text("models: {custom_cnn: {image_size: 64}}\n")
    result = CliRunner().invoke(app, ["profile", str(profile), "--params", str(REPO / "params.yaml"), "--name", "x",
                                      "-S", "++evaluate.external.target_dev.path=/films/dev",
                                      "--set", "++evaluate.external.target_dev.calibrate=youden"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == ("dvc exp run --name x -S models.custom_cnn.image_size=64 "
                                     "-S ++evaluate.external.target_dev.path=/films/dev "
                                     "-S ++evaluate.external.target_dev.calibrate=youden")
