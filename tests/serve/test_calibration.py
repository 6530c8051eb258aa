"""`xraylab calibrate`: a threshold picked on a site's own labelled films, used by predict, never when stale."""
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import dicom_films
from conftest import sample_images

from xraylab import saved
from xraylab.commands import app
from xraylab.data import not_films
from xraylab.errors import UserError
from xraylab.evaluation import thresholds
from xraylab.serve import calibration

@pytest.fixture
def films(tmp_path: Path) -> Path:
    """A site's labelled films: 6 real test X-rays per class in the Kermany layout."""
    root = tmp_path / "site-films"
    for class_name in ("NORMAL", "PNEUMONIA"):
        (root / class_name).mkdir(parents=True)
        for image in sample_images("test", class_name, 6):
            shutil.copyfile(image, root / class_name / image.name)
    return root


def calibrate(workspace: Path, params: Path, *args: str, calibration_dir: Path | None = None):
    return CliRunner().invoke(app, ["calibrate", *args, "--model", "custom_cnn", "--params", str(params),
                                    "--models-dir", str(workspace / "models"),
                                    "--metrics-dir", str(workspace / "metrics"),
                                    "--gates-dir", str(workspace / "gates"),
                                    "--calibration-dir", str(calibration_dir or workspace / "calibration")])


def predict(workspace: Path, *args: str):
    return CliRunner().invoke(app, ["predict", *args, "--json", "--model", "custom_cnn",
                                    "--models-dir", str(workspace / "models"),
                                    "--metrics-dir", str(workspace / "metrics"),
                                    "--calibration-dir", str(workspace / "calibration"),
                                    "--gates-dir", str(workspace / "no-gates")])


def test_calibrate_picks_the_rule_on_the_films_and_predict_uses_it(workspace: Path, quick_params: Path, films: Path):
    result = calibrate(workspace, quick_params, str(films), "--rule", "sensitivity=1")
    assert result.exit_code == 0, result.output
    written = json.loads((workspace / "calibration" / "custom_cnn.json").read_text())
    model = saved.load(workspace / "models" / "custom_cnn")
    frame = pd.DataFrame({"path": [str(path) for name in ("NORMAL", "PNEUMONIA")
                                   for path in sorted((films / name).iterdir())],
                          "label": [0] * 6 + [1] * 6})
    probabilities = model.predict(frame)
    expected = thresholds.choose("sensitivity=1", frame["label"].to_numpy(), probabilities)
    assert written["threshold"] == pytest.approx(expected, abs=1e-6)
    assert written["calibrated"]["scores"]["sensitivity"] == 1.0
    assert (written["model_threshold"], written["model_threshold_picked_on"]) == (0.5, "validation")
    assert (written["rule"], written["films"]) == ("sensitivity=1", "site-films")
    assert written["images"] == {"NORMAL": 6, "PNEUMONIA": 6}
    assert written["model_digest"] == saved.digest(workspace / "models" / "custom_cnn")
    assert "| 0.5000 model's own (picked on validation) |" in result.output and "calibrated (sensitivity=1)" in result.output

    image = sample_images("test", "NORMAL", 1)[0]
    used = predict(workspace, str(image))
    assert used.exit_code == 0, used.output
    line = json.loads(used.stdout)
    assert line["threshold"] == written["threshold"]
    assert line["label"] == ("PNEUMONIA" if line["probability"] >= written["threshold"] else "NORMAL")
    assert "calibrated on site-films (sensitivity=1)" in used.stderr
    plain = predict(workspace, str(image), "--validation-threshold")
    assert json.loads(plain.stdout)["threshold"] == 0.5


def test_a_calibration_for_another_model_file_is_refused(workspace: Path, tmp_path: Path):
    stale = dict(model="custom_cnn", model_digest="0" * 64, threshold=0.9)
    directory = tmp_path / "calibration"
    directory.mkdir()
    (directory / "custom_cnn.json").write_text(json.dumps(stale))
    with pytest.raises(UserError, match="was made for another version of model custom_cnn"):
        calibration.threshold_for("custom_cnn", saved.digest(workspace / "models" / "custom_cnn"), directory)
    (directory / "custom_cnn.json").write_text("{not json")
    with pytest.raises(UserError, match="is not a calibration written by `xraylab calibrate`"):
        calibration.threshold_for("custom_cnn", "x", directory)
    assert calibration.threshold_for("rf", "x", directory) is None


def test_bad_folders_and_rules_are_named(workspace: Path, quick_params: Path, films: Path, tmp_path: Path):
    before = sorted((workspace / "calibration").glob("*")) if (workspace / "calibration").exists() else []
    missing = calibrate(workspace, quick_params, str(tmp_path / "nowhere"))
    assert missing.exit_code == 1
    assert str(missing.exception) == (f"calibrate FILMS: folder {tmp_path / 'nowhere'} not found; give a folder "
                                      "with NORMAL/ and PNEUMONIA/ inside")
    (tmp_path / "flat").mkdir()
    shutil.copyfile(sample_images("test", "NORMAL", 1)[0], tmp_path / "flat" / "film.jpeg")
    flat = calibrate(workspace, quick_params, str(tmp_path / "flat"))
    assert flat.exit_code == 1 and "calibrate FILMS: no Kermany layout" in str(flat.exception)
    one_class = tmp_path / "normals"
    shutil.copytree(films / "NORMAL", one_class / "NORMAL")
    single = calibrate(workspace, quick_params, str(one_class))
    assert single.exit_code == 1 and "youden needs both classes among the labelled images" in str(single.exception)
    rule = calibrate(workspace, quick_params, str(films), "--rule", "sensitivity=high")
    assert rule.exit_code == 1 and str(rule.exception).startswith("--rule must be a probability in (0, 1)")
    after = sorted((workspace / "calibration").glob("*")) if (workspace / "calibration").exists() else []
    assert after == before  # nothing written by a failed calibration


def test_dicom_films_are_read_as_a_viewer_shows_them_and_a_film_without_an_image_is_named(
        workspace: Path, quick_params: Path, films: Path, tmp_path: Path):
    site = tmp_path / "dicom-films"
    for index, jpeg in enumerate(sorted(films.rglob("*.jpeg"))):
        (site / jpeg.parent.name).mkdir(parents=True, exist_ok=True)
        dicom_films.write(jpeg, site / jpeg.parent.name / f"{jpeg.stem}.dcm", dicom_films.VARIANTS[index % 6])
    result = calibrate(workspace, quick_params, str(site), calibration_dir=tmp_path / "calibration")
    assert result.exit_code == 0, result.output
    written = json.loads((tmp_path / "calibration" / "custom_cnn.json").read_text())
    assert written["images"] == {"NORMAL": 6, "PNEUMONIA": 6}

    report = dicom_films.write_without_image(site / "NORMAL" / "report.dcm")
    broken = calibrate(workspace, quick_params, str(site), calibration_dir=tmp_path / "calibration")
    assert broken.exit_code == 1
    assert str(broken.exception).startswith(f"calibrate FILMS: 1 of 13 films cannot be read: {report} (a DICOM "
                                            "file without an image")


def test_films_the_gate_refuses_are_listed_and_scored_apart(workspace: Path, quick_params: Path, films: Path):
    # A page of noise filed among the normal films: listed, the threshold still picked on all 13 films, and the
    # 12 real ones scored on their own.
    not_films.write({"noise": not_films.far(seed=0, each=1)["noise"]}, films / "NORMAL")
    result = calibrate(workspace, quick_params, str(films))
    assert result.exit_code == 0, result.output
    written = json.loads((workspace / "calibration" / "custom_cnn.json").read_text())
    assert written["images"] == {"NORMAL": 7, "PNEUMONIA": 6}
    refused = written["gate"]
    assert refused["films"] == 13 and str(films / "NORMAL" / "noise_000.png") in refused["paths"]
    assert refused["rate"] == pytest.approx(refused["refused"] / 13, abs=1e-6)
    if refused["refused"] < 13 - 1:
        assert refused["accepted"]["count"] == 13 - refused["refused"]
    assert f"The chest-film gate refused {refused['refused']} of 13 films" in result.output
    assert str(films / "NORMAL" / "noise_000.png") in result.output


def test_a_gate_fitted_for_another_input_is_an_error(workspace: Path, quick_params: Path, films: Path, sample_gate,
                                                     tmp_path: Path):
    sample_gate.write(tmp_path / "gates" / "custom_cnn.json")  # 128 px; this custom_cnn takes 32 px
    result = CliRunner().invoke(app, ["calibrate", str(films), "--model", "custom_cnn", "--params", str(quick_params),
                                      "--models-dir", str(workspace / "models"), "--metrics-dir",
                                      str(workspace / "metrics"), "--gates-dir", str(tmp_path / "gates")])
    assert result.exit_code == 1
    assert "was fitted for 128 px inputs with 1 channel(s), but custom_cnn takes 32 px" in str(result.exception)
