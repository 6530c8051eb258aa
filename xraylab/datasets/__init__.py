"""Data sources: each module turns one layout on disk into a raw manifest of checked images."""
