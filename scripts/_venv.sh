# Sourced by scripts/demo and scripts/test: make ./.venv with opsdrill installed (plus EXTRAS).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "opsdrill needs Python 3.11 or newer as '$PYTHON'; set PYTHON=/path/to/python3.11 and retry." >&2
  exit 3
fi
VENV="${OPSDRILL_VENV:-$ROOT/.venv}"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check --upgrade pip
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e "$ROOT${EXTRAS:-}"
export PATH="$VENV/bin:$PATH"
cd "$ROOT"
