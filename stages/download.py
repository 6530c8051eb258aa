"""download: fetch or read the configured source, check every image, write data/raw/ and the data report."""
import os
import tempfile
from pathlib import Path

import pandas as pd
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
    folder = sources.user_folder(cfg)
    # A Mac's `._*` beside each film, .DS_Store, Thumbs.db: never read as images, listed so nothing is hidden.
    ignored = pd.DataFrame({"path": [str(path) for path in clutter.find(folder)] if folder else [],
                            "reason": clutter.REASON})
    rejected = pd.concat([rejected, ignored], ignore_index=True)
    manifest.write(report_dir / "quarantine.csv", rejected)
    report.write(raw, rejected, sources.class_names(cfg), report_dir)
    typer.echo(f"download ({cfg.source}): {len(raw)} images into {raw_dir}, "
               f"{len(rejected) - len(ignored)} quarantined, {len(ignored)} operating-system files ignored "
               f"(see {report_dir / 'quarantine.csv'})")


if __name__ == "__main__":
    cli.run(app)
