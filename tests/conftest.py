"""Test-wide set-up: Qt runs off-screen, and settings never touch the user's real ones."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("NNSTUDIO_SETTINGS_SCOPE", "test")
