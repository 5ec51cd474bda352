"""Slow smoke tests of what users install: the wheel in a fresh venv, and the PyInstaller app.

Both run the installed program from a folder outside the source tree, so a resource that
is not shipped (icons, bundled data sets, presets) makes them fail.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import nnstudio

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
BIN = "Scripts" if sys.platform.startswith("win") else "bin"
EXE = ".exe" if sys.platform.startswith("win") else ""
# Folders and files of a working tree that are not part of the source.
NOT_SOURCE = shutil.ignore_patterns(
    ".git",
    ".venv*",
    "venv",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".ruff_cache",
    ".hypothesis",
    "*.pyc",
)


def clean_env(tmp: Path) -> dict[str, str]:
    """Environment for the installed program: off-screen Qt, no source tree on the path, and
    settings/data folders inside the test's temporary folder."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp / "config"),
        XDG_DATA_HOME=str(tmp / "data"),
        XDG_CACHE_HOME=str(tmp / "cache"),
        XDG_RUNTIME_DIR=str(tmp / "runtime"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    (tmp / "runtime").mkdir(mode=0o700, exist_ok=True)
    return env


def run(cmd: list[str], cwd: Path, env: dict[str, str], timeout: float = 300):
    result = subprocess.run(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {result.returncode}\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    return result


def assert_screenshot(path: Path) -> None:
    assert path.is_file(), f"no screenshot was written to {path}"
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "the screenshot is not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    assert width >= 640 and height >= 400, f"screenshot is only {width}x{height}"
    assert len(data) > 10_000, f"screenshot is only {len(data)} bytes: an empty window?"


def check_program(program: list[str], work: Path, env: dict[str, str]) -> None:
    """--version, train + info on a model, and an off-screen screenshot, all from ``work``."""
    version = run([*program, "--version"], work, env, timeout=120)
    assert nnstudio.__version__ in version.stdout + version.stderr

    model = work / "model.npz"
    run(
        [*program, "train", "--dataset", "iris", "--layers", "5", "--activation", "tanh",
         "--epochs", "3", "--seed", "1", "--export", model],
        work, env,
    )  # fmt: skip
    assert model.is_file() and model.stat().st_size > 0
    info = run([*program, "info", model], work, env, timeout=120)
    assert "tanh" in info.stdout.lower(), info.stdout

    shot = work / "out.png"
    run([*program, "--screenshot", shot, "--train-seconds", "1"], work, env, timeout=300)
    assert_screenshot(shot)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """Build the wheel from a copy of the source tree (so the checkout gets no build/ folder)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "src"
    shutil.copytree(REPO, source, ignore=NOT_SOURCE)
    out = tmp / "dist"
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", out, "."],
        source,
        {k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        timeout=600,
    )
    wheels = list(out.glob("nnstudio-*.whl"))
    assert len(wheels) == 1, f"expected one nnstudio wheel in {out}, found {wheels}"
    return wheels[0]


def test_wheel_installs_and_runs_from_anywhere(wheel, tmp_path):
    # numpy/PySide6/pyqtgraph may come from the system (saves minutes); nnstudio must not.
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=True, symlinks=os.name != "nt").create(
        env_dir
    )
    python = env_dir / BIN / f"python{EXE}"
    env = clean_env(tmp_path)
    work = tmp_path / "elsewhere"
    work.mkdir()
    run([python, "-m", "pip", "install", "--no-deps", "--no-index", wheel], work, env)

    where = run(
        [python, "-c", "import nnstudio, nnstudio.paths as p; "
         "print(nnstudio.__file__); print(p.resources_dir())"],
        work, env,
    ).stdout.split("\n")  # fmt: skip
    package_file, resources = Path(where[0]).resolve(), Path(where[1]).resolve()
    assert env_dir.resolve() in package_file.parents, f"nnstudio imported from {package_file}"
    assert env_dir.resolve() in resources.parents, f"resources found at {resources}"
    assert (resources / "icons" / "nnstudio.svg").is_file()
    assert (resources / "io.github.nnstudio.NNStudio.desktop").is_file()

    program = env_dir / BIN / f"nnstudio{EXE}"
    assert program.is_file(), "the wheel did not install the nnstudio command"
    assert (env_dir / BIN / f"nnstudio-gui{EXE}").is_file(), "no nnstudio-gui launcher"
    check_program([program], work, env)


@pytest.mark.skipif(sys.platform.startswith("win"), reason="build.sh is for Linux and macOS")
def test_pyinstaller_app_builds_and_runs(tmp_path):
    dist, build = tmp_path / "dist", tmp_path / "build"
    env = clean_env(tmp_path)
    env["PYTHON"] = sys.executable
    result = run(
        ["bash", REPO / "packaging" / "build.sh", "--distpath", dist, "--workpath", build],
        REPO,
        env,
        timeout=1500,
    )
    folder = dist / "nnstudio"
    assert result.stdout.strip().splitlines()[-1] == str(
        dist / ("nnstudio.app" if sys.platform == "darwin" else "nnstudio")
    ), result.stdout
    program = folder / "nnstudio"
    assert program.is_file() and os.access(program, os.X_OK)
    internal = folder / "_internal"
    assert (internal / "resources" / "icons" / "nnstudio.svg").is_file(), "resources not bundled"

    work = tmp_path / "elsewhere"
    work.mkdir()
    check_program([program], work, env)
