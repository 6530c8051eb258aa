"""Data in: the download, split and balance stages.

Each source module (`sources.py` picks one: `kermany.py`, `local.py`, `kaggle.py`, `mura.py`, `synthetic.py`;
`download.py` fetches archives over HTTP) turns one layout on disk into a raw manifest of checked images
(`checks.py` opens every file, `dicom.py` reads DICOM, `clutter.py` knows the files an operating system adds,
`report.py` describes what came in). `manifest.py` is the table every later stage speaks; `splits.py` and
`batches.py` split it by patient or by acquisition batch; `balance.py` plans the augmented copies of the minority
class. `external.py` and `films.py` read the films users bring (external sets, `xraylab predict`, `calibrate`).
`not_films.py` makes inputs that are certainly not chest films, to measure and test the chest-film gate.
"""
