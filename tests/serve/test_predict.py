"""`xraylab predict`: labels at evaluate's threshold, JSON lines, heat-maps, and errors that name the problem."""
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from typer.testing import CliRunner

import dicom_films
from conftest import REPO, sample_images

from xraylab import saved
from xraylab.data import not_films
from xraylab.commands import app
from xraylab.errors import UserError
from xraylab.serve import predict

def invoke(workspace: Path, *args: str, gates: Path | None = None):
    """`xraylab predict` on the workspace's models; without `gates`, none has a gate (stderr says so)."""
    return CliRunner().invoke(app, ["predict", *args, "--models-dir", str(workspace / "models"),
                                    "--metrics-dir", str(workspace / "metrics"),
                                    "--release-dir", str(workspace / "release"),
                                    "--gates-dir", str(gates or workspace / "no-gates")])


def test_the_release_model_is_the_default(workspace: Path, tmp_path: Path):
    card = tmp_path / "card.md"
    card.write_text("# Card\n<!-- release:start -->\nstale figures\n<!-- release:end -->\nhand-written\n")
    released = CliRunner().invoke(app, [
        "release", "--card", str(card), "--params", str(REPO / "params.yaml"), "--models-dir", str(workspace / "models"),
        "--metrics-dir", str(workspace / "metrics"), "--release-dir", str(tmp_path / "release"),
        "--site-dir", str(tmp_path / "site"), "--gates-dir", str(workspace / "gates"), "--experiment", "tiny"])
    assert released.exit_code == 0, released.output
    assert "release: custom_cnn trained on sample (sample source; patient-grouped split: 16 train images)" in released.output
    meta = json.loads((tmp_path / "release" / "meta.json").read_text())
    assert meta == json.loads((tmp_path / "site" / "meta.json").read_text())
    assert (meta["model"], meta["threshold"], meta["experiment"], meta["heatmap"]) == ("custom_cnn", 0.5, "tiny", True)
    assert meta["params"]["normalize"] == "none" and meta["fit_seconds"] > 0 and meta["epochs_run"] == 1
    assert (tmp_path / "site" / "model.json").is_file()
    text = card.read_text()
    assert "stale figures" not in text and text.endswith("hand-written\n")
    assert "| accuracy | 0.500 | 0.500 |" in text and "Threshold 0.5000 (youden, picked on validation)" in text

    image = sample_images("test", "PNEUMONIA", 1)[0]
    result = CliRunner().invoke(app, ["predict", str(image), "--json", "--release-dir", str(tmp_path / "release")])
    assert result.exit_code == 0, result.output
    line = json.loads(result.stdout)
    expected = saved.load(workspace / "models" / "custom_cnn").predict(pd.DataFrame({"path": [str(image)], "label": 0}))
    assert line["probability"] == pytest.approx(expected[0], abs=1e-6) and line["model"] == "custom_cnn"

    folder = tmp_path / "films"  # a folder stands for the images in it
    folder.mkdir()
    for source in sample_images("test", "NORMAL", 3):
        shutil.copyfile(source, folder / source.name)
    (folder / "notes.txt").write_text("not an image, and not picked up")
    result = CliRunner().invoke(app, ["predict", str(folder), "--json", "--release-dir", str(tmp_path / "release")])
    assert result.exit_code == 0, result.output
    assert [json.loads(line)["path"] for line in result.stdout.splitlines()] == sorted(
        str(folder / source.name) for source in sample_images("test", "NORMAL", 3))
    empty = CliRunner().invoke(app, ["predict", str(tmp_path / "site" / "..")])
    assert empty.exit_code == 1 and "is a folder with no image files" in str(empty.exception)

    missing = CliRunner().invoke(app, ["predict", str(image), "--release-dir", str(tmp_path / "none")])
    assert missing.exit_code == 1 and "no release model in" in str(missing.exception)


def test_json_lines_match_the_model_and_the_threshold(workspace: Path, tmp_path: Path):
    images = sample_images("test", "NORMAL", 2) + sample_images("test", "PNEUMONIA", 2)
    result = invoke(workspace, *map(str, images), "--json", "--heatmap", str(tmp_path / "map.png"), "--model", "best")
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["path"] for line in lines] == [str(image) for image in images]
    expected = saved.load(workspace / "models" / "custom_cnn").predict(
        pd.DataFrame({"path": [str(image) for image in images], "label": 0}))
    for line, probability in zip(lines, expected):
        assert line["probability"] == pytest.approx(probability, abs=1e-6)
        assert line["label"] == ("PNEUMONIA" if line["probability"] >= 0.5 else "NORMAL")
        assert (line["threshold"], line["model"], line["positive_class"]) == (0.5, "custom_cnn", "PNEUMONIA")
    for image in images:  # several images: one overlay each, named after the image
        assert (tmp_path / f"map_{image.stem}.png").read_bytes()[:4] == b"\x89PNG"


def test_plain_output_and_a_single_heatmap(workspace: Path, tmp_path: Path):
    image = sample_images("test", "PNEUMONIA", 1)[0]
    result = invoke(workspace, str(image), "--heatmap", str(tmp_path / "one.png"), "--model", "custom_cnn")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{image}: ") and "threshold 0.5000, custom_cnn)" in result.stdout
    assert "(probability of PNEUMONIA " in result.stdout
    assert "note: custom_cnn has no chest-film gate (run dvc repro)" in result.stderr
    assert (tmp_path / "one.png").is_file()


def test_a_batch_answers_every_readable_film_and_names_each_bad_one(workspace: Path, tmp_path: Path):
    good, cmyk_source, dicom_source = sample_images("test", "PNEUMONIA", 3)
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copyfile(good, batch / "a_good.jpeg")
    (batch / "._a_good.jpeg").write_bytes(b"\x00\x05\x16\x07 AppleDouble resource fork")  # a Mac's copy adds it
    (batch / "b_truncated.jpeg").write_bytes(good.read_bytes()[:3000])
    with Image.open(cmyk_source) as image:
        image.convert("CMYK").save(batch / "c_cmyk.jpeg")
    dicom_films.write(dicom_source, batch / "d_film.dcm", "monochrome1")
    (batch / "e_notes.jpeg").write_text("not pixels")

    result = invoke(workspace, str(batch), str(tmp_path / "missing.jpeg"), "--json", "--model", "custom_cnn")
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [Path(line["path"]).name for line in lines] == [
        "a_good.jpeg", "b_truncated.jpeg", "c_cmyk.jpeg", "d_film.dcm", "e_notes.jpeg", "missing.jpeg"]
    errors = {Path(line["path"]).name: line["error"] for line in lines if "error" in line}
    assert errors["b_truncated.jpeg"].startswith("cannot decode: image file is truncated")
    assert errors["e_notes.jpeg"] == "not an image" and errors["missing.jpeg"] == "not found"
    assert "error: 3 of 6 files got no prediction (listed above): 3 could not be read" in result.stderr

    # The converted films get the probability of the pixels a viewer shows: the CMYK file as PIL converts it
    # to RGB (as ingest does), the DICOM as the film it was written from (decoded by PIL, as it was written;
    # TensorFlow's JPEG decoder differs from PIL's by a grey level here and there).
    model = saved.load(workspace / "models" / "custom_cnn")
    with Image.open(batch / "c_cmyk.jpeg") as image:
        image.convert("RGB").save(tmp_path / "cmyk_as_rgb.png")
    Image.fromarray(dicom_films.film_pixels(dicom_source)).save(tmp_path / "dicom_film.png")
    expected = model.predict(pd.DataFrame({"path": [str(good), str(tmp_path / "cmyk_as_rgb.png"),
                                                    str(tmp_path / "dicom_film.png")], "label": 0}))
    probabilities = [line["probability"] for line in lines if "probability" in line]
    np.testing.assert_allclose(probabilities, expected, atol=1e-6)
    as_jpeg = model.predict(pd.DataFrame({"path": [str(dicom_source)], "label": 0}))[0]
    assert abs(probabilities[2] - as_jpeg) < 1e-3
    assert set(lines[0]) == {"path", "probability", "label", "positive_class", "threshold", "model"}

    text = invoke(workspace, str(batch / "e_notes.jpeg"), str(batch / "a_good.jpeg"), "--model", "custom_cnn")
    assert text.exit_code == 1 and text.stdout.startswith(f"{batch / 'e_notes.jpeg'}: error: not an image\n")


def test_nothing_readable_fails_before_any_model_loads(tmp_path: Path):
    (tmp_path / "notes.jpeg").write_text("not pixels")
    # No release folder exists here: the model is never asked for.
    result = CliRunner().invoke(app, ["predict", str(tmp_path / "notes.jpeg"), "--release-dir",
                                      str(tmp_path / "none")])
    assert result.exit_code == 1 and result.stdout == f"{tmp_path / 'notes.jpeg'}: error: not an image\n"


def test_unknown_model_and_missing_evaluation(workspace: Path, tmp_path: Path):
    with pytest.raises(UserError, match="unknown model 'resnet9': no trained model in .*; trained: custom_cnn"):
        predict.resolve_model("resnet9", workspace / "models", workspace / "metrics")
    with pytest.raises(UserError, match="leaderboard.json not found, so there is no best model yet"):
        predict.resolve_model("best", workspace / "models", tmp_path)
    with pytest.raises(UserError, match="custom_cnn has no threshold or scores yet; run `dvc repro evaluate`"):
        predict.resolve_model("custom_cnn", workspace / "models", tmp_path)


def test_what_the_gate_refuses_gets_its_reason_and_force_predicts_it_marked(workspace: Path, tmp_path: Path):
    gates = workspace / "gates"  # custom_cnn's, fitted on its 16 training films
    film = sample_images("test", "NORMAL", 1)[0]
    page = tmp_path / "report.png"  # a scanned report, not a film
    not_films.far(seed=3, each=1)["text page"][0].save(page)
    inverted = tmp_path / "inverted.png"
    not_films.near([film])["inverted"][0].save(inverted)
    images = [str(film), str(page), str(inverted)]

    result = invoke(workspace, *images, "--json", "--model", "custom_cnn", gates=gates)
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert set(lines[0]) == {"path", "probability", "label", "positive_class", "threshold", "model"}
    for line, path in zip(lines[1:], images[1:]):
        assert set(line) == {"path", "error"} and line["path"] == path
        assert line["error"].startswith("does not look like a frontal chest X-ray (score ")
    assert ("error: 2 of 3 files got no prediction (listed above): 2 do not look like frontal chest X-rays "
            "(--force predicts them anyway)") in result.stderr
    expected = saved.load(workspace / "models" / "custom_cnn").predict(
        pd.DataFrame({"path": images, "label": 0}))

    forced = invoke(workspace, *images, "--json", "--force", "--model", "custom_cnn", gates=gates)
    assert forced.exit_code == 0, forced.output
    lines = [json.loads(line) for line in forced.stdout.splitlines()]
    np.testing.assert_allclose([line["probability"] for line in lines], expected, atol=1e-6)
    assert "forced" not in lines[0]
    assert all(line["forced"].startswith("does not look like a frontal chest X-ray") for line in lines[1:])
    text = invoke(workspace, str(page), "--force", "--model", "custom_cnn", gates=gates)
    assert text.stdout.rstrip().endswith("]") and "[forced: does not look like a frontal chest X-ray" in text.stdout


def test_a_dicom_header_that_names_no_frontal_chest_film_is_refused(workspace: Path, tmp_path: Path):
    # The header is read where present: Modality, Body Part Examined, View Position. A film whose header is silent
    # or says DX / CHEST / PA is judged by its pixels alone.
    film = sample_images("test", "NORMAL", 1)[0]
    headers = {"ct.dcm": {"Modality": "CT"}, "knee.dcm": {"BodyPartExamined": "KNEE"},
               "lateral.dcm": {"ViewPosition": "LL"}, "chest.dcm": {"BodyPartExamined": "CHEST", "ViewPosition": "PA"},
               "silent.dcm": {"Modality": ""}}
    for name, header in headers.items():
        dicom_films.write(film, tmp_path / name, "bits16", **header)
    result = invoke(workspace, *(str(tmp_path / name) for name in headers), "--json", "--model", "custom_cnn")
    assert result.exit_code == 1
    lines = {Path(line["path"]).name: line for line in map(json.loads, result.stdout.splitlines())}
    assert lines["ct.dcm"]["error"] == ("does not look like a frontal chest X-ray (its DICOM header says Modality CT: "
                                        "a CT scan, not a radiograph)")
    assert lines["knee.dcm"]["error"].endswith("(its DICOM header says Body Part Examined KNEE, not the chest)")
    assert "View Position LL: a lateral film" in lines["lateral.dcm"]["error"]
    assert "probability" in lines["chest.dcm"] and "probability" in lines["silent.dcm"]

    forced = invoke(workspace, str(tmp_path / "ct.dcm"), "--json", "--model", "custom_cnn", "--force")
    assert forced.exit_code == 0
    answer = json.loads(forced.stdout)
    assert answer["forced"].endswith("Modality CT: a CT scan, not a radiograph)") and "probability" in answer
