"""Serving: the convert stage and what users run against a trained model.

`export.py` turns a network into the web page's TF.js graph model (with the heat-map and gate outputs);
`release.py` packages the release model (`release/`, `docs/release/`); `predict.py` answers `xraylab predict`;
`calibration.py` keeps a site's own threshold (`xraylab calibrate`); `gate.py` is the chest-film gate the evaluate
stage fits for each model and predict and the page pass every film through.
"""
