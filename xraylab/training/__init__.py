"""Training: the train@<model> stages.

`train.py` fits one model of the registry (`xraylab/models/`) on the balanced manifest: `augment.py` applies the
per-epoch augmentation and the balance stage's recipes, `features.py` caches bottleneck features of frozen
backbones, `resume.py` makes an interrupted fit continue where it stopped.
"""
