"""Where nnstudio's bundled resources live, from a source checkout or an installed wheel."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def resources_dir() -> Path:
    """The folder holding icons, presets, exercises, lessons and bundled data sets.

    In a source checkout this is the top-level ``resources/`` folder; in an installed
    wheel the same files ship as the package ``nnstudio.resources``.
    """
    checkout = Path(__file__).resolve().parent.parent / "resources"
    if (checkout / "data").is_dir():
        return checkout
    import importlib.util

    spec = importlib.util.find_spec("nnstudio.resources")
    if spec is not None and spec.submodule_search_locations:
        for location in spec.submodule_search_locations:
            candidate = Path(location)
            if (candidate / "data").is_dir():
                return candidate
    raise FileNotFoundError(
        "nnstudio's resources folder is missing; reinstall nnstudio "
        f"(looked in {checkout} and the installed package nnstudio.resources)"
    )


def resource(*parts: str) -> Path:
    """Path of one bundled resource, e.g. ``resource("presets", "xor.json")``."""
    return resources_dir().joinpath(*parts)
