"""Model zoo: `build(name, cfg, num_classes, seed)` is the only way in. Importing registers every builder."""
from xraylab.models import classic, cnn, transfer  # noqa: F401  (registration happens on import)
from xraylab.models.registry import UnknownModelError, build, names

__all__ = ["UnknownModelError", "build", "names"]
