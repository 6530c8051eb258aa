"""gradcam: a gallery of Grad-CAM overlays on test images for every trained network."""
import json
from pathlib import Path

import typer

from xraylab import atomic, cli, config, gallery, manifest, saved

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         test_manifest: Path = typer.Option(Path("data/splits/test.csv")),
         models_dir: Path = typer.Option(Path("models")),
         eval_dir: Path = typer.Option(Path("metrics/eval"), help="evaluate's per-model results (threshold)"),
         out_dir: Path = typer.Option(Path("reports/gradcam"))) -> None:
    cfg = config.load(params)
    test = manifest.read(test_manifest)
    with atomic.writing_dir(out_dir) as temp:
        for name in cfg.train.models:
            model = saved.load(models_dir / name)
            if model.meta.kind != "network":
                continue
            threshold = json.loads((eval_dir / f"{name}.json").read_text())["threshold"]
            count = gallery.write_gallery(model, test, model.predict(test), threshold,
                                          cfg.gradcam.per_outcome, cfg.gradcam.alpha, temp / name)
            typer.echo(f"gradcam: {count} overlays for {name} in {out_dir / name}")


if __name__ == "__main__":
    cli.run(app)
