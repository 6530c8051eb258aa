"""download: fetch or read the configured source, check every image, write data/raw/ and the data report."""
import os
import tempfile
from pathlib import Path

import typer

from xraylab import cli, config
from xraylab.data import clutter, ingest, manifest, report, sources

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         raw_dir: Path = typer.Option(Path("data/raw"), help="where checked images and manifest.csv go"),
         report_dir: Path = typer.Option(Path("reports/data"),
                                         help="quarantine list, class table, image sizes, sample grid")) -> None:
    cfg = config.load(params).data
    with tempfile.TemporaryDirectory(prefix="xraylab-download-") as scratch:
        found = sources.locate(cfg, Path(scratch), environ=os.environ, home=Path.home())
        raw, rejected = ingest.ingest(found, raw_dir)
    # A Mac's `._*` beside each film, .DS_Store, Thumbs.db: listed with the quarantined images.
    rejected = clutter.with_ignored(rejected, sources.user_folder(cfg))
    manifest.write(report_dir / "quarantine.csv", rejected)
    report.write(raw, rejected, sources.class_names(cfg), report_dir)
    ignored = int((rejected["reason"] == clutter.REASON).sum())
    typer.echo(f"download ({cfg.source}): {len(raw)} images into {raw_dir}, "
               f"{len(rejected) - ignored} quarantined, {ignored} operating-system files ignored "
               f"(see {report_dir / 'quarantine.csv'})")


if __name__ == "__main__":
    cli.run(app)
