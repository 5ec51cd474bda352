"""The preset experiments bundled in ``resources/presets`` (one experiment file each)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from nnstudio.paths import resource

#: menu order; presets not listed here follow alphabetically
ORDER = ("default", "xor_hidden_layer", "vanishing_sigmoid", "vanishing_relu", "lr_too_high",
         "overfitting")


@dataclass(frozen=True)
class Preset:
    stem: str  # file name without extension, e.g. "vanishing_sigmoid"
    path: Path
    name: str  # the experiment's name, shown in the menu
    description: str


def presets_dir() -> Path:
    return resource("presets")


def list_presets() -> list[Preset]:
    """Every readable preset, in menu order (unreadable files are skipped)."""
    try:
        folder = presets_dir()
    except FileNotFoundError:
        return []
    found: list[Preset] = []
    for path in sorted(folder.glob("*.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(data, dict):
            continue
        name = data.get("name") if isinstance(data.get("name"), str) else path.stem
        description = data.get("description") if isinstance(data.get("description"), str) else ""
        found.append(Preset(path.stem, path, name, description))
    rank = {stem: i for i, stem in enumerate(ORDER)}
    found.sort(key=lambda p: (rank.get(p.stem, len(ORDER)), p.name.lower()))
    return found


def find_preset(key: str) -> Preset | None:
    """A preset by file stem (``"overfitting"``), file name, path or experiment name."""
    key = str(key).strip()
    stem = Path(key).stem if key.lower().endswith(".json") else key
    for preset in list_presets():
        if stem in (preset.stem, preset.name) or key == str(preset.path):
            return preset
    path = Path(key)
    if path.suffix.lower() == ".json" and path.is_file():
        return Preset(path.stem, path, path.stem, "")
    return None
