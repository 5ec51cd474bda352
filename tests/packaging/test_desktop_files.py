"""The desktop launcher, AppStream metadata and icons: validators, sizes, install and uninstall."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

import nnstudio
from nnstudio import desktop
from nnstudio.desktop import (
    APP_ID,
    DesktopInstallError,
    install_desktop,
    quote_exec_argument,
    render_desktop_entry,
    uninstall_desktop,
)

REPO = Path(__file__).resolve().parents[2]
RESOURCES = REPO / "resources"
DESKTOP_FILE = RESOURCES / f"{APP_ID}.desktop"
METAINFO_FILE = RESOURCES / f"{APP_ID}.metainfo.xml"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
# Caches that update-desktop-database / gtk-update-icon-cache may leave; they belong to the
# desktop, not to nnstudio, so install/uninstall do not count them.
TOOL_CACHES = {"applications/mimeinfo.cache", "icons/hicolor/icon-theme.cache"}


def require_tool(name: str, package: str) -> str:
    """Path of a validator; in CI a missing tool fails (.ci/run installs it), else it skips."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed (Debian package {package})"
        if os.environ.get("CI"):
            pytest.fail(f"{message}: .ci/run must install it")
        pytest.skip(message)
    return path


def png_size(data: bytes) -> tuple[int, int, int]:
    """(width, height, colour type) from a PNG header."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG signature"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, _depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, colour


def read_desktop_entry(text: str) -> dict[str, str]:
    """Keys of the [Desktop Entry] group."""
    entry: dict[str, str] = {}
    group = None
    for line in text.splitlines():
        if line.startswith("["):
            group = line.strip()
        elif group == "[Desktop Entry]" and "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            entry[key.strip()] = value.strip()
    return entry


def parse_exec(value: str) -> list[str]:
    """Split an Exec value the way a desktop environment does (Desktop Entry spec 1.4)."""
    # 1. The value is a string: undo the general escapes.
    escapes = {"s": " ", "n": "\n", "t": "\t", "r": "\r", "\\": "\\"}
    text, i = "", 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value) and value[i + 1] in escapes:
            text += escapes[value[i + 1]]
            i += 2
        else:
            text += value[i]
            i += 1
    # 2. Split into arguments; inside double quotes a backslash escapes " ` $ \.
    args: list[str] = []
    current: str | None = None
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == " ":
            if current is not None:
                args.append(current)
                current = None
            i += 1
        elif ch == '"':
            current = current or ""
            i += 1
            while text[i] != '"':
                if text[i] == "\\" and text[i + 1] in '"`$\\':
                    i += 1
                current += text[i]
                i += 1
            i += 1
        else:
            current = (current or "") + ch
            i += 1
    if current is not None:
        args.append(current)
    # 3. Field codes: %% is a literal percent sign.
    return [arg.replace("%%", "%") for arg in args]


# --- validators --------------------------------------------------------------------------


def test_desktop_file_passes_desktop_file_validate():
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    result = subprocess.run([tool, str(DESKTOP_FILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()


def test_metainfo_passes_appstreamcli_validate():
    tool = require_tool("appstreamcli", "appstream")
    result = subprocess.run(
        [tool, "validate", "--no-net", "--explain", str(METAINFO_FILE)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_installed_tree_passes_appstreamcli_validate_tree(tmp_path, monkeypatch):
    """The installed metainfo, launcher and icons fit together (as a distribution ships them)."""
    tool = require_tool("appstreamcli", "appstream")
    install_desktop(prefix=tmp_path / "usr" / "share")
    result = subprocess.run(
        [tool, "validate-tree", "--no-net", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- contents ----------------------------------------------------------------------------


def test_desktop_entry_names_the_app_id_icon_and_command():
    entry = read_desktop_entry(DESKTOP_FILE.read_text(encoding="utf-8"))
    assert entry["Type"] == "Application"
    assert entry["Icon"] == APP_ID
    assert parse_exec(entry["Exec"]) == ["nnstudio", "%f"]
    assert entry["Terminal"] == "false"
    assert "Education" in entry["Categories"].split(";")


def test_metainfo_matches_the_package():
    root = ET.parse(METAINFO_FILE).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("id") == APP_ID
    assert root.findtext("metadata_license") == "CC0-1.0"
    assert root.findtext("project_license") == "MIT"
    assert root.find("launchable").text == f"{APP_ID}.desktop"
    assert root.find("launchable").get("type") == "desktop-id"
    assert [b.text for b in root.findall("provides/binary")] == ["nnstudio"]
    assert root.find("content_rating") is not None
    releases = root.findall("releases/release")
    assert releases, "metainfo has no release"
    assert releases[0].get("version") == nnstudio.__version__, (
        "the newest <release> in the metainfo must match nnstudio.__version__"
    )
    assert root.find("description/p") is not None


def test_icon_svg_is_square_svg():
    root = ET.parse(RESOURCES / "icons" / "nnstudio.svg").getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox") == "0 0 256 256"


@pytest.mark.parametrize("size", PNG_SIZES)
def test_icon_png_has_its_size(size):
    data = (RESOURCES / "icons" / "hicolor" / str(size) / "nnstudio.png").read_bytes()
    assert png_size(data) == (size, size, 6)  # colour type 6: RGBA, so the corners are clear


def test_windows_ico_holds_png_images_16_to_256():
    data = (REPO / "packaging" / "icons" / "nnstudio.ico").read_bytes()
    reserved, kind, count = struct.unpack("<HHH", data[:6])
    assert (reserved, kind) == (0, 1)
    sizes = []
    for i in range(count):
        w, h, _c, _r, _planes, bits, length, offset = struct.unpack(
            "<BBBBHHII", data[6 + 16 * i : 22 + 16 * i]
        )
        size = w or 256
        assert (w, h, bits) == (size % 256, size % 256, 32)
        assert png_size(data[offset : offset + length])[:2] == (size, size)
        sizes.append(size)
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256]


def test_macos_icns_holds_png_images_up_to_1024():
    data = (REPO / "packaging" / "icons" / "nnstudio.icns").read_bytes()
    assert data[:4] == b"icns"
    assert struct.unpack(">I", data[4:8])[0] == len(data)
    expected = {b"icp4": 16, b"icp5": 32, b"ic07": 128, b"ic08": 256, b"ic09": 512, b"ic10": 1024}
    found = {}
    pos = 8
    while pos < len(data):
        kind, length = struct.unpack(">4sI", data[pos : pos + 8])
        found[kind] = png_size(data[pos + 8 : pos + length])[0]
        pos += length
    assert pos == len(data)
    for kind, size in expected.items():
        assert found.get(kind) == size, kind


# --- Exec quoting ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/usr/bin/nnstudio",
        "/home/kim/my apps/venv/bin/nnstudio",
        '/opt/a "quoted" $HOME `cmd` back\\slash/nnstudio',
        "/opt/100%/nnstudio",
        "/opt/semi;colon&amp/(x)/nnstudio",
    ],
)
def test_exec_quoting_round_trips(path):
    value = " ".join([quote_exec_argument(path), quote_exec_argument("-m"), "%f"])
    assert parse_exec(value) == [path, "-m", "%f"]


def test_exec_quoting_rejects_control_characters():
    with pytest.raises(DesktopInstallError, match="desktop launcher"):
        quote_exec_argument("/tmp/new\nline/nnstudio")


def test_rendered_entry_with_an_awkward_path_is_valid(tmp_path):
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    odd = '/opt/my apps/nn "studio" $1/bin/nnstudio'
    text = render_desktop_entry(DESKTOP_FILE.read_text(encoding="utf-8"), [odd])
    entry = read_desktop_entry(text)
    assert parse_exec(entry["Exec"]) == [odd, "%f"]
    assert entry["TryExec"] == odd.replace("\\", "\\\\")
    path = tmp_path / f"{APP_ID}.desktop"
    path.write_text(text, encoding="utf-8")
    result = subprocess.run([tool, str(path)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --- install / uninstall -----------------------------------------------------------------


def expected_files() -> set[str]:
    files = {
        f"applications/{APP_ID}.desktop",
        f"metainfo/{APP_ID}.metainfo.xml",
        f"icons/hicolor/scalable/apps/{APP_ID}.svg",
    }
    files |= {f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png" for n in PNG_SIZES}
    return files


def files_under(base: Path) -> set[str]:
    return {p.relative_to(base).as_posix() for p in base.rglob("*") if p.is_file()}


def test_install_then_uninstall_in_xdg_data_home(tmp_path, monkeypatch):
    base = tmp_path / "xdg-data"
    monkeypatch.setenv("XDG_DATA_HOME", str(base))

    written = install_desktop()
    assert {p.relative_to(base).as_posix() for p in written} == expected_files()
    assert all(p.is_absolute() for p in written)
    assert files_under(base) - TOOL_CACHES == expected_files()

    for n in PNG_SIZES:
        installed = base / f"icons/hicolor/{n}x{n}/apps/{APP_ID}.png"
        assert (
            installed.read_bytes() == (RESOURCES / f"icons/hicolor/{n}/nnstudio.png").read_bytes()
        )
    assert (base / f"metainfo/{APP_ID}.metainfo.xml").read_bytes() == METAINFO_FILE.read_bytes()

    entry = read_desktop_entry((base / f"applications/{APP_ID}.desktop").read_text("utf-8"))
    command = parse_exec(entry["Exec"])
    assert os.path.isabs(command[0]), entry["Exec"]
    assert os.access(command[0], os.X_OK), f"{command[0]} is not an executable"
    assert command[-1] == "%f"
    assert entry["TryExec"] == command[0]
    assert entry["Icon"] == APP_ID

    # Installing again overwrites the same files and adds nothing.
    assert sorted(install_desktop()) == sorted(written)
    assert files_under(base) - TOOL_CACHES == expected_files()

    removed = uninstall_desktop()
    assert sorted(removed) == sorted(written)
    assert files_under(base) <= TOOL_CACHES
    assert uninstall_desktop() == []


def test_installed_desktop_file_is_valid(tmp_path):
    tool = require_tool("desktop-file-validate", "desktop-file-utils")
    install_desktop(prefix=tmp_path)
    result = subprocess.run(
        [tool, str(tmp_path / "applications" / f"{APP_ID}.desktop")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_prefix_overrides_xdg_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "not-here"))
    written = install_desktop(prefix=tmp_path / "share")
    assert all(tmp_path / "share" in p.parents for p in written)
    assert not (tmp_path / "not-here").exists()
    assert set(uninstall_desktop(prefix=tmp_path / "share")) == set(written)


def test_relative_xdg_data_home_is_ignored(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", "relative/share")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert desktop.data_home() == tmp_path / ".local" / "share"


def test_unwritable_folder_gives_a_message_and_leaves_nothing(tmp_path):
    base = tmp_path / "share"
    base.mkdir()
    # A file where the metainfo folder should be: writing there fails even as root.
    (base / "metainfo").write_text("in the way")
    with pytest.raises(DesktopInstallError) as info:
        install_desktop(prefix=base)
    message = str(info.value)
    assert "metainfo" in message and "cannot install" in message
    assert files_under(base) - TOOL_CACHES == {"metainfo"}, "files were left behind"


def test_python_m_launcher_from_a_checkout_starts_in_the_checkout(tmp_path, monkeypatch):
    """Without an installed script the launcher runs ``python -m nnstudio``; from a source
    checkout it must start in the checkout so that ``-m`` finds the package."""
    monkeypatch.setattr(desktop, "launcher_command", lambda: [sys.executable, "-m", "nnstudio"])
    install_desktop(prefix=tmp_path)
    entry = read_desktop_entry((tmp_path / f"applications/{APP_ID}.desktop").read_text("utf-8"))
    assert parse_exec(entry["Exec"]) == [sys.executable, "-m", "nnstudio", "%f"]
    checkout = Path(desktop.__file__).resolve().parent.parent
    if {"site-packages", "dist-packages"} & set(checkout.parts):
        assert "Path" not in entry
    else:
        assert entry["Path"] == str(checkout)
        assert (Path(entry["Path"]) / "nnstudio" / "__main__.py").is_file()
    assert desktop.launcher_workdir(["/usr/bin/nnstudio"]) is None


def test_launcher_command_is_absolute():
    command = desktop.launcher_command()
    assert os.path.isabs(command[0])
    assert Path(command[0]).is_file()
