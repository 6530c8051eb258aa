"""Inputs that are certainly not frontal chest films, made here, to measure and test the gate (serve/gate.py).

Never training data, and the gate is never fitted on them: they only count what it refuses. `far` inputs are
nothing like a radiograph (noise, flat and gradient images, rendered text pages, synthesised photos, a synthetic
bone film, CT- and MR-like slices); `near` ones are real chest films made wrong (inverted, rotated a quarter turn,
cropped to a corner), the hardest cases, reported apart.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

from xraylab.data import synthetic

SIDE = 256
WORDS = ("patient", "report", "findings", "impression", "normal", "chest", "radiograph", "history", "cough",
         "fever", "the", "of", "and", "no", "acute", "seen", "left", "right", "lung", "date")


def far(seed: int, each: int) -> dict[str, list[Image.Image]]:
    """`each` images of every far kind, by kind."""
    rng = np.random.default_rng(seed)
    kinds = {"noise": _noise, "flat": _flat, "gradient": _gradient, "text page": _text_page, "photo": _photo,
             "bone film": _bone_film, "ct slice": _ct_slice, "mr slice": _mr_slice}
    return {name: [make(rng) for _ in range(each)] for name, make in kinds.items()}


def near(films: list[Path]) -> dict[str, list[Image.Image]]:
    """Real films made wrong, by kind."""
    images = []
    for path in films:
        with Image.open(path) as image:
            images.append(image.convert("L"))
    return {"inverted": [ImageOps.invert(image) for image in images],
            "rotated 90°": [image.rotate(90, expand=True) for image in images],
            "corner third": [image.crop((0, 0, image.width // 3, image.height // 3)) for image in images]}


def write(images: dict[str, list[Image.Image]], folder: Path) -> dict[str, list[Path]]:
    """Each image as a PNG file under `folder`, by kind."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind, kind_images in images.items():
        written[kind] = []
        for index, image in enumerate(kind_images):
            path = folder / f"{kind.replace(' ', '_').replace('°', '')}_{index:03d}.png"
            image.save(path)
            written[kind].append(path)
    return written


def _noise(rng: np.random.Generator) -> Image.Image:
    if rng.random() < 0.5:
        return Image.fromarray(rng.integers(0, 256, (SIDE, SIDE, 3), dtype=np.uint8))
    grey = np.clip(rng.normal(rng.uniform(60, 200), rng.uniform(10, 60), (SIDE, SIDE)), 0, 255)
    return Image.fromarray(grey.astype(np.uint8))


def _flat(rng: np.random.Generator) -> Image.Image:
    if rng.random() < 0.5:
        return Image.new("RGB", (SIDE, SIDE), tuple(int(value) for value in rng.integers(0, 256, 3)))
    return Image.new("L", (SIDE, SIDE), int(rng.integers(0, 256)))


def _gradient(rng: np.random.Generator) -> Image.Image:
    y, x = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    angle = rng.uniform(0, 2 * np.pi)
    ramp = np.cos(angle) * x + np.sin(angle) * y if rng.random() < 0.6 else np.hypot(x - 0.5, y - 0.5) * 1.4
    ramp = (ramp - ramp.min()) / (np.ptp(ramp) + 1e-9)
    return Image.fromarray((255 * ramp).astype(np.uint8))


def _text_page(rng: np.random.Generator) -> Image.Image:
    page = Image.new("L", (600, 800), int(rng.integers(225, 256)))
    draw = ImageDraw.Draw(page)
    for top in range(40, 760, int(rng.integers(14, 24))):
        line = " ".join(rng.choice(WORDS, int(rng.integers(4, 11))))
        draw.text((int(rng.integers(30, 60)), top), line, fill=int(rng.integers(0, 60)))
    return page


def _photo(rng: np.random.Generator) -> Image.Image:
    """A scene of coloured shapes over a sky-to-ground gradient, softened as a camera would."""
    y = np.linspace(0, 1, SIDE)[:, None, None]
    sky, ground = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
    scene = Image.fromarray(np.broadcast_to(sky * (1 - y) + ground * y, (SIDE, SIDE, 3)).astype(np.uint8))
    draw = ImageDraw.Draw(scene)
    for _ in range(int(rng.integers(3, 9))):
        x0, y0 = rng.integers(0, SIDE - 20, 2)
        x1, y1 = x0 + rng.integers(20, 120), y0 + rng.integers(20, 120)
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((int(x0), int(y0), int(x1), int(y1)), fill=colour)
    photo = scene.filter(ImageFilter.GaussianBlur(1.5))
    return photo.convert("L") if rng.random() < 0.3 else photo  # some in black and white


def _bone_film(rng: np.random.Generator) -> Image.Image:
    """A radiograph, but of a limb (the MURA-like generator): not a chest."""
    return Image.fromarray(synthetic.bone(rng, SIDE, SIDE, bool(rng.random() < 0.5)))


def _ct_slice(rng: np.random.Generator) -> Image.Image:
    """An axial slice: a round body on black, a bright spine, dark lungs, as a CT viewer shows it."""
    y, x = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    body = ((x - 0.5) / rng.uniform(0.38, 0.46)) ** 2 + ((y - 0.5) / rng.uniform(0.3, 0.38)) ** 2 < 1
    image = np.where(body, rng.uniform(90, 130), 0.0)
    for side in (-1, 1):
        lung = ((x - 0.5 - side * 0.17) / 0.13) ** 2 + ((y - 0.48) / 0.2) ** 2 < 1
        image = np.where(lung, rng.uniform(10, 30), image)
    spine = ((x - 0.5) / 0.05) ** 2 + ((y - 0.72) / 0.05) ** 2 < 1
    image = np.where(spine, 240.0, image) + rng.normal(0, 4, (SIDE, SIDE))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def _mr_slice(rng: np.random.Generator) -> Image.Image:
    """A head slice: an oval of soft grey tissue with brighter folds, dark around it."""
    y, x = np.mgrid[0:SIDE, 0:SIDE] / SIDE
    radius = ((x - 0.5) / 0.36) ** 2 + ((y - 0.5) / 0.44) ** 2
    folds = 40 * np.sin(rng.uniform(20, 40) * x + 3 * np.sin(rng.uniform(10, 25) * y))
    image = np.where(radius < 1, 110 + folds, 0.0) + np.where((radius > 0.85) & (radius < 1), 90, 0)
    return Image.fromarray(np.clip(image + rng.normal(0, 5, (SIDE, SIDE)), 0, 255).astype(np.uint8))
