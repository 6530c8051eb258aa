"""convert: the best network on validation, as a float16 TF.js graph model for the demo site."""
from pathlib import Path

import typer

from xraylab import cli, config, determinism, saved
from xraylab.evaluation import eval_file, leaderboard
from xraylab.serve import export, gate

app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@app.command()
def main(params: Path = typer.Option(Path("params.yaml"), help="params file"),
         models_dir: Path = typer.Option(Path("models")),
         metrics_dir: Path = typer.Option(Path("metrics")),
         gates_dir: Path = typer.Option(gate.GATES_DIR),
         out_dir: Path = typer.Option(Path("docs/model"))) -> None:
    cfg = config.load(params)
    determinism.pin_cpu(cfg.cpu)
    choice = leaderboard.chosen(metrics_dir)
    name = choice.best(network=True)
    model = saved.load(models_dir / name)
    result = eval_file.read(eval_file.path(metrics_dir, name))
    meta = {
        **export.page_meta(name, model, result),
        "test": result.test.as_written(),
        "selected_by": f"validation {choice.select_metric}",
        "data_source": cfg.data.source,
        "revision": export.git_revision(),  # the commit whose code and params made it
    }
    # Its gate (fitted by evaluate) goes into the graph: the page refuses what it refuses, as `xraylab predict` does.
    fitted = gate.read_for(gates_dir / f"{name}.json", model.meta)
    export.to_tfjs(model.model, out_dir, cfg.convert.quantize, meta, fitted)
    size = sum(path.stat().st_size for path in out_dir.iterdir())
    typer.echo(f"convert: {name} → {out_dir} ({size / 1e6:.2f} MB)")


if __name__ == "__main__":
    cli.run(app)
