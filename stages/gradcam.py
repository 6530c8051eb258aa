"""gradcam: a gallery of Grad-CAM and occlusion overlays on test images for every trained network."""
from pathlib import Path

import typer

from xraylab import atomic, cli, config, determinism, saved
from xraylab.data import manifest
from xraylab.evaluation import eval_file, scoring
from xraylab.explain import gallery
from xraylab.kinds import ModelKind

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         models_dir: Path = typer.Option(Path("models")),
         eval_dir: Path = typer.Option(Path("metrics/eval"), help="evaluate's per-model results (threshold)"),
         predictions_dir: Path = typer.Option(Path("metrics/predictions"), help="evaluate's per-image results"),
         out_dir: Path = typer.Option(Path("reports/gradcam"))) -> None:
    cfg = config.load(params)
    determinism.pin_cpu(cfg.cpu)
    with atomic.writing_dir(out_dir) as temp:
        for name in cfg.train.models:
            model = saved.load(models_dir / name)
            if model.meta.kind != ModelKind.NETWORK:
                continue
            # The probabilities evaluate computed: the gallery shows the outcomes the leaderboard counts.
            predictions = manifest.read(predictions_dir / f"{name}.csv", scoring.PREDICTION_COLUMNS)
            test = predictions[predictions["split"] == "test"].reset_index(drop=True)
            threshold = eval_file.read(eval_dir / f"{name}.json").threshold
            count = gallery.write_gallery(model, test, scoring.class_probabilities(test, model.meta.class_names),
                                          threshold, cfg.gradcam, temp / name)
            typer.echo(f"gradcam: {count} overlays for {name} in {out_dir / name}")


if __name__ == "__main__":
    cli.run(app)
