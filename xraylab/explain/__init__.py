"""Explanations: the gradcam stage.

`attribution.py` computes where a network looks (Grad-CAM, with the closed form the web page runs too, and
occlusion maps); `gallery.py` writes the per-outcome gallery of test films, drawn by `overlay.py`, with
`filters.py`'s first-layer filter pictures.
"""
