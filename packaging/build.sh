#!/usr/bin/env bash
# Build the standalone nnstudio app (PyInstaller, one folder) with one command.
#
#   packaging/build.sh                      # use the current Python environment
#   packaging/build.sh --venv .build-venv   # create/use a virtual environment for the build
#   packaging/build.sh --distpath OUT --workpath WORK
#
# Environment: PYTHON picks the interpreter (default: python3, else python).
# On success the last line printed is the output folder (dist/nnstudio by default);
# any failure exits non-zero.
set -euo pipefail

usage() {
    sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
}

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv=""
distpath="$repo/dist"
workpath="$repo/build/pyinstaller"

while [ $# -gt 0 ]; do
    case "$1" in
        --venv) venv="${2:?--venv needs a folder}"; shift 2 ;;
        --distpath) distpath="${2:?--distpath needs a folder}"; shift 2 ;;
        --workpath) workpath="${2:?--workpath needs a folder}"; shift 2 ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

python="${PYTHON:-}"
if [ -z "$python" ]; then
    python="$(command -v python3 || command -v python || true)"
fi
if [ -z "$python" ]; then
    echo "build.sh: no python3 found; set PYTHON=/path/to/python" >&2
    exit 1
fi

if [ -n "$venv" ]; then
    if [ ! -x "$venv/bin/python" ] && [ ! -x "$venv/Scripts/python.exe" ]; then
        echo "== creating virtual environment $venv"
        "$python" -m venv "$venv"
    fi
    if [ -x "$venv/bin/python" ]; then python="$venv/bin/python"; else python="$venv/Scripts/python.exe"; fi
    echo "== installing nnstudio's dependencies into $venv"
    "$python" -m pip install --quiet --upgrade pip
    "$python" -m pip install --quiet "$repo"
fi

if ! "$python" -c "import PyInstaller" 2>/dev/null; then
    echo "== installing PyInstaller"
    "$python" -m pip install --quiet "pyinstaller>=6.6"
fi
"$python" - <<'EOF'
import importlib.util
import sys
missing = [m for m in ("numpy", "PySide6", "pyqtgraph", "threadpoolctl") if importlib.util.find_spec(m) is None]
if missing:
    sys.exit("build.sh: this Python lacks " + ", ".join(missing)
             + "; install nnstudio's dependencies first or use --venv DIR")
EOF

echo "== building with $("$python" -m PyInstaller --version 2>/dev/null | head -n1 | sed 's/^/PyInstaller /')"
mkdir -p "$distpath" "$workpath"
(
    cd "$repo"
    "$python" -m PyInstaller --noconfirm --log-level WARN \
        --distpath "$distpath" --workpath "$workpath" packaging/nnstudio.spec
)

out="$distpath/nnstudio"
case "$(uname -s)" in
    Darwin) out="$distpath/nnstudio.app"; exe="$distpath/nnstudio/nnstudio" ;;
    MINGW*|MSYS*|CYGWIN*) exe="$out/nnstudio.exe" ;;
    *) exe="$out/nnstudio" ;;
esac
if [ ! -x "$exe" ]; then
    echo "build.sh: PyInstaller finished but $exe is missing" >&2
    exit 1
fi
echo "== checking the built app: $("$exe" --version)"
echo "$out"
