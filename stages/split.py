"""split: patient-grouped stratified train / val / test manifests, and class counts per split."""
from pathlib import Path

import typer

from xraylab import atomic, cli, config
from xraylab.data import manifest, sources, splits

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         raw_manifest: Path = typer.Option(Path("data/raw/manifest.csv")),
         out_dir: Path = typer.Option(Path("data/splits")),
         counts: Path = typer.Option(Path("metrics/split.json"), help="class counts per split")) -> None:
    cfg = config.load(params)
    raw = manifest.read(raw_manifest, manifest.RAW_COLUMNS)
    parts = splits.split(raw, cfg.split.val_fraction, cfg.split.test_fraction, cfg.split.seed)
    for name, frame in parts.items():
        manifest.write(out_dir / f"{name}.csv", frame)
    class_counts = splits.class_counts(parts, sources.class_names(cfg.data))
    atomic.write_json(counts, class_counts)
    typer.echo(f"split: {class_counts}")


if __name__ == "__main__":
    cli.run(app)
