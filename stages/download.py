"""download: check every image of the configured source and write data/raw/ (images + manifest)."""
from pathlib import Path

import typer

from xraylab import cli, config, manifest
from xraylab.datasets import sample

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         raw_dir: Path = typer.Option(Path("data/raw"), help="where checked images and manifest.csv go"),
         quarantine: Path = typer.Option(Path("reports/data/quarantine.csv"),
                                         help="list of rejected files and why")) -> None:
    cfg = config.load(params)
    raw, rejected = sample.import_sample(Path(cfg.data.sample_dir), raw_dir)
    manifest.write(quarantine, rejected)
    typer.echo(f"download: {len(raw)} images from {cfg.data.sample_dir} into {raw_dir}, "
               f"{len(rejected)} quarantined (see {quarantine})")


if __name__ == "__main__":
    cli.run(app)
