"""Which exercises a student has solved, kept between sessions in QSettings."""

from __future__ import annotations

import json

from PySide6.QtCore import QSettings

ORGANIZATION = "nnstudio"
APPLICATION = "nnstudio"
KEY = "exercises/solved"


class ExerciseProgress:
    """Set of solved exercise ids stored under ``exercises/solved`` (a JSON list)."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.settings = settings if settings is not None else QSettings(ORGANIZATION, APPLICATION)
        self._solved = self._read()

    def _read(self) -> set[str]:
        raw = self.settings.value(KEY, "")
        if not isinstance(raw, str) or not raw:
            return set()
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            return set()  # a damaged value only loses the ticks, never the program
        return {x for x in data if isinstance(x, str)} if isinstance(data, list) else set()

    def is_solved(self, exercise_id: str) -> bool:
        return exercise_id in self._solved

    @property
    def solved(self) -> frozenset[str]:
        return frozenset(self._solved)

    def mark_solved(self, exercise_id: str) -> bool:
        """Remember one more solved exercise; True if it is new."""
        if exercise_id in self._solved:
            return False
        self._solved.add(exercise_id)
        self._write()
        return True

    def reset(self) -> None:
        self._solved.clear()
        self._write()

    def _write(self) -> None:
        self.settings.setValue(KEY, json.dumps(sorted(self._solved)))
        self.settings.sync()
