#!/usr/bin/env bash
# The README's test command: installs everything the tests need on a fresh
# Debian/Ubuntu machine, then runs `npm test`. Works as root and as a user
# with sudo (sudo is used only for the system packages, only when needed).
#   - haproxy and postgresql from Debian's packages (skipped when installed),
#     and apache2-utils (ApacheBench, the external load generator of
#     `npm run bench -- haproxy`), and python3-venv (the virtualenv of the
#     Python example's real-engine test), nginx (the Kubernetes maintenance
#     backend's site, run on loopback by its live test; the package's service
#     is not needed), curl (a client of the maintenance bodies test), and
#     busybox and gawk (the shells and awks of container images the migration
#     wrappers and the rehearsal's rewrite are run under, beside dash and mawk)
#   - npm ci
#   - the Pulumi CLI, its Node.js language host and the YAML and Python hosts,
#     built from Go modules for the real-engine tests (testkit/engine/install.sh;
#     cached, ~0.1 s when up to date, ~6 min cold on 2 cores, more with YAML)
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if [ "$(id -u)" = 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    echo "scripts/test.sh: installing $* needs root; run as root or install sudo" >&2
    exit 1
  fi
}

missing=()
for package in haproxy postgresql apache2-utils python3-venv nginx curl busybox gawk; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "[test] installing ${missing[*]} (apt)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

echo "[test] npm ci"
npm ci --no-audit --no-fund

echo "[test] Pulumi engine for the real-engine tests"
# The YAML and Python hosts serve the multi-language examples (test/engine/multiLanguage.test.ts);
# built here, not inside a test, so that a cold build never meets a test timeout.
BLUEGREEN_ENGINE_BIN="$(testkit/engine/install.sh --with-yaml --with-python | tail -n 1)"
export BLUEGREEN_ENGINE_BIN

npm test
