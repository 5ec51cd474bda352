"""Install nnstudio's desktop launcher, icons and AppStream metadata for the current user.

``nnstudio --install-desktop`` copies the launcher into the XDG data folder
(``$XDG_DATA_HOME``, by default ``~/.local/share``) so that nnstudio appears in the
desktop's application menu with its icon; ``--uninstall-desktop`` removes exactly
those files again. The launcher's ``Exec`` line is rewritten to the absolute path of
the ``nnstudio`` command that ran the install, so it works from a virtual environment
that is not on ``PATH``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from nnstudio.engine.errors import NNStudioError
from nnstudio.engine.fileio import atomic_write_bytes, atomic_write_text
from nnstudio.paths import resource

APP_ID = "io.github.nnstudio.NNStudio"
ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)

# Characters that force an Exec argument into double quotes (Desktop Entry spec, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")
# Characters that must be backslash-escaped inside a quoted Exec argument.
_ESCAPE_IN_QUOTES = set('"`$\\')


class DesktopInstallError(NNStudioError):
    """The launcher files could not be written or removed (the message names the path)."""


def data_home(prefix: str | os.PathLike[str] | None = None) -> Path:
    """The XDG data folder to install into: ``prefix``, else ``$XDG_DATA_HOME``, else
    ``~/.local/share`` (a relative ``$XDG_DATA_HOME`` is ignored, as the spec says)."""
    if prefix is not None:
        return Path(prefix).expanduser().absolute()
    env = os.environ.get("XDG_DATA_HOME", "")
    if env and os.path.isabs(env):
        return Path(env)
    return Path.home() / ".local" / "share"


def _sources_and_targets(base: Path) -> list[tuple[Path, Path]]:
    """(bundled resource, installed path) for every file the launcher consists of."""
    pairs = [
        (resource(f"{APP_ID}.desktop"), base / "applications" / f"{APP_ID}.desktop"),
        (resource(f"{APP_ID}.metainfo.xml"), base / "metainfo" / f"{APP_ID}.metainfo.xml"),
        (
            resource("icons", "nnstudio.svg"),
            base / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg",
        ),
    ]
    for size in ICON_SIZES:
        pairs.append(
            (
                resource("icons", "hicolor", str(size), "nnstudio.png"),
                base / "icons" / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png",
            )
        )
    return pairs


def desktop_paths(prefix: str | os.PathLike[str] | None = None) -> list[Path]:
    """Every file that :func:`install_desktop` writes (and :func:`uninstall_desktop` removes)."""
    return [target for _, target in _sources_and_targets(data_home(prefix))]


def launcher_command() -> list[str]:
    """The absolute command line that starts this nnstudio installation.

    Preference: the frozen executable (PyInstaller build); the ``nnstudio`` script that is
    running now; the ``nnstudio`` script beside this Python interpreter (same environment);
    ``nnstudio`` on ``PATH``; finally ``python -m nnstudio`` with this interpreter.
    """
    if getattr(sys, "frozen", False):
        return [os.path.abspath(sys.executable)]
    argv0 = Path(sys.argv[0]) if sys.argv and sys.argv[0] else None
    if argv0 is not None and argv0.name in ("nnstudio", "nnstudio-gui") and argv0.is_file():
        sibling = argv0.absolute().with_name("nnstudio")
        return [str(sibling if _is_executable(sibling) else argv0.absolute())]
    beside = Path(sys.executable).absolute().parent / "nnstudio"
    if _is_executable(beside):
        return [str(beside)]
    found = shutil.which("nnstudio")
    if found:
        return [os.path.abspath(found)]
    return [os.path.abspath(sys.executable), "-m", "nnstudio"]


def launcher_workdir(command: list[str]) -> Path | None:
    """The launcher's working folder, needed only for ``python -m nnstudio`` from a source
    checkout: started there, ``-m`` finds the ``nnstudio`` package without any install."""
    if command[1:] != ["-m", "nnstudio"]:
        return None
    checkout = Path(__file__).resolve().parent.parent
    if {"site-packages", "dist-packages"} & set(checkout.parts):
        return None
    return checkout


def _is_executable(path: Path) -> bool:
    return path.is_file() and os.access(path, os.X_OK)


def quote_exec_argument(arg: str) -> str:
    """Quote one argument for a desktop file's ``Exec`` key.

    Arguments with reserved characters go in double quotes with ``"`$\\`` escaped by a
    backslash; ``%`` is doubled. The result is also escaped as a desktop-file string
    value, so every backslash from the quoting step is written twice.
    """
    if not arg or any(ord(ch) < 32 and ch != "\t" for ch in arg):
        raise DesktopInstallError(f"cannot put the path {arg!r} into a desktop launcher")
    quoted = arg.replace("%", "%%")
    if any(ch in _RESERVED for ch in arg):
        inner = "".join("\\" + ch if ch in _ESCAPE_IN_QUOTES else ch for ch in quoted)
        quoted = f'"{inner}"'
    return quoted.replace("\\", "\\\\")


def _escape_string_value(value: str) -> str:
    """Escape a plain string value (e.g. ``TryExec``) for a desktop file."""
    return value.replace("\\", "\\\\")


def render_desktop_entry(template: str, command: list[str], workdir: Path | None = None) -> str:
    """The bundled launcher with ``Exec`` set to ``command`` (plus ``%f``), ``TryExec`` to
    its program (a launcher whose program was deleted hides itself) and, if given, ``Path``
    (the working folder) to ``workdir``."""
    exec_value = " ".join(quote_exec_argument(part) for part in command) + " %f"
    out: list[str] = []
    group = ""
    for line in template.splitlines():
        stripped = line.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            group = stripped
        elif group == "[Desktop Entry]" and stripped.startswith(("TryExec=", "Path=")):
            continue
        elif group == "[Desktop Entry]" and stripped.startswith("Exec="):
            out.append(f"TryExec={_escape_string_value(command[0])}")
            out.append(f"Exec={exec_value}")
            if workdir is not None:
                out.append(f"Path={_escape_string_value(str(workdir))}")
            continue
        out.append(line)
    return "\n".join(out) + "\n"


def install_desktop(prefix: str | os.PathLike[str] | None = None) -> list[Path]:
    """Install the launcher, icons and metainfo into the XDG data folder; return the paths.

    ``prefix`` is the data folder to use instead of ``$XDG_DATA_HOME`` / ``~/.local/share``
    (e.g. ``/usr/local/share`` for every user). Each file is written atomically; if one
    cannot be written, the files this call created are removed again and
    :class:`DesktopInstallError` says which path failed and why.
    """
    _require_xdg_platform()
    base = data_home(prefix)
    pairs = _sources_and_targets(base)
    contents: list[tuple[Path, bytes | str]] = []
    for source, target in pairs:
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise DesktopInstallError(
                f"nnstudio's bundled file {source} is missing or unreadable "
                f"({exc.strerror or exc}); reinstall nnstudio"
            ) from None
        if target.suffix == ".desktop":
            command = launcher_command()
            text = render_desktop_entry(data.decode("utf-8"), command, launcher_workdir(command))
            contents.append((target, text))
        else:
            contents.append((target, data))

    created: list[Path] = []
    written: list[Path] = []
    try:
        for target, data in contents:
            existed = target.exists()
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, str):
                atomic_write_text(target, data)
            else:
                atomic_write_bytes(target, data)
            written.append(target)
            if not existed:
                created.append(target)
    except OSError as exc:
        for path in created:
            try:
                path.unlink()
            except OSError:
                pass
        raise DesktopInstallError(
            f"cannot install the desktop launcher: writing {target} failed "
            f"({exc.strerror or exc}); check that {base} is a writable folder (XDG_DATA_HOME chooses another)"
        ) from None
    _refresh_caches(base)
    return written


def uninstall_desktop(prefix: str | os.PathLike[str] | None = None) -> list[Path]:
    """Remove the files :func:`install_desktop` writes; return those that existed."""
    _require_xdg_platform()
    base = data_home(prefix)
    removed: list[Path] = []
    for target in desktop_paths(prefix):
        try:
            target.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise DesktopInstallError(
                f"cannot remove the desktop launcher file {target} ({exc.strerror or exc})"
            ) from None
        removed.append(target)
    if removed:
        _refresh_caches(base)
    return removed


def _require_xdg_platform() -> None:
    if sys.platform.startswith(("win", "cygwin", "darwin")):
        raise DesktopInstallError(
            "--install-desktop/--uninstall-desktop add nnstudio to a Linux (XDG) desktop menu; "
            "on Windows and macOS use the packaged app from packaging/ instead"
        )


def _refresh_caches(base: Path) -> None:
    """Let the desktop notice the change: refresh the MIME and icon caches if the tools exist.

    The icon cache is only refreshed where the theme folder is indexed or already cached
    (GTK finds icons without a cache; a new cache would be one more file to leave behind).
    """
    commands: list[list[str]] = []
    tool = shutil.which("update-desktop-database")
    if tool and (base / "applications").is_dir():
        commands.append([tool, "-q", str(base / "applications")])
    tool = shutil.which("gtk-update-icon-cache")
    hicolor = base / "icons" / "hicolor"
    if tool and ((hicolor / "index.theme").is_file() or (hicolor / "icon-theme.cache").is_file()):
        commands.append([tool, "-q", "-f", "-t", str(hicolor)])
    for command in commands:
        try:
            subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            pass
