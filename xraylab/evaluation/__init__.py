"""Evaluation: the evaluate stage.

`run.py` is the stage's work in one call (stages/evaluate.py writes what it returns).
`scoring.py` scores each trained model on validation, test, the shifted validation sets (`shifts.py`) and any
external sets, at a threshold picked on validation (`thresholds.py`), with `metrics.py`'s scores, bootstrap
intervals (`bootstrap.py`) and curves for DVC plots (`curves.py`); MURA is judged per study (`studies.py`).
`leaderboard.py` ranks the models into the pipeline's DVC metrics; `eval_file.py` reads a model's result back,
typed, for the stages and commands after evaluate.
"""
