#!/usr/bin/env bash
# Builds the Pulumi engine (CLI v3.248.0) and a Node.js language host from Go
# modules, plus the small launcher scripts the CLI expects beside itself, into
# a cache directory. Idempotent: a second run with unchanged inputs only checks
# a stamp and prints the bin directory.
#
# Usage: testkit/engine/install.sh [--with-yaml] [--with-python] [--force] [--quiet] [-h|--help]
#
#   --with-yaml    also build pulumi-language-yaml (github.com/pulumi/pulumi-yaml
#                  v1.38.0; the v1.37.0 bundled with CLI 3.248.0 cannot be built
#                  from the module proxy, see go/yaml/go.mod)
#   --with-python  also build pulumi-language-python v3.248.0 from its vendored
#                  source (go/python; the proxy refuses the upstream module) and
#                  install its pulumi-language-python-exec and
#                  pulumi-resource-pulumi-python scripts
#   --force        rebuild even if the stamp matches
#   --quiet        only print the bin directory (last line of output either way)
#
# Environment:
#   BLUEGREEN_ENGINE_HOME  install root (default:
#                          ${XDG_CACHE_HOME:-$HOME/.cache}/bluegreen/engine/v3.248.0);
#                          binaries go to $BLUEGREEN_ENGINE_HOME/bin
#   GO                     go command to use (default: go on PATH)
#   GOCACHE/GOMODCACHE/GOPROXY are honoured; Go's normal caches are used, so a
#   second machine run (or a rebuild after clearing the bin dir) is fast.
#
# The last line printed is always the bin directory, so callers can do
#   PATH="$(testkit/engine/install.sh --quiet | tail -n1):$PATH"
set -euo pipefail

PULUMI_VERSION=v3.248.0
YAML_VERSION=v1.38.0

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
home_dir="${BLUEGREEN_ENGINE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/bluegreen/engine/${PULUMI_VERSION}}"
bin_dir="$home_dir/bin"
GO="${GO:-go}"

with_yaml=0
with_python=0
force=0
quiet=0
for arg in "$@"; do
    case "$arg" in
        --with-yaml) with_yaml=1 ;;
        --with-python) with_python=1 ;;
        --force) force=1 ;;
        --quiet) quiet=1 ;;
        -h|--help) sed -n '2,28p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "install.sh: unknown argument: $arg (try --help)" >&2; exit 2 ;;
    esac
done

log() { [ "$quiet" = 1 ] || echo "[engine] $*" >&2; }
die() { echo "[engine] error: $*" >&2; exit 1; }

command -v "$GO" >/dev/null 2>&1 || die "go not found (need Go >= 1.25.11 for pulumi $PULUMI_VERSION)"

# Hash of everything that determines a target's output.
hash_files() {
    ( cd "$here" && {
        printf 'pulumi=%s yaml=%s goos=%s goarch=%s go=%s\n' "$PULUMI_VERSION" "$YAML_VERSION" \
            "$("$GO" env GOOS)" "$("$GO" env GOARCH)" "$("$GO" env GOVERSION)"
        for f in "$@"; do
            if [ -d "$f" ]; then
                find "$f" -type f | LC_ALL=C sort | xargs sha256sum
            else
                sha256sum "$f"
            fi
        done
    } | sha256sum | cut -d' ' -f1 )
}

ldflags_pulumi="-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=${PULUMI_VERSION}"

# up_to_date STAMP HASH BINARY... : stamp matches and every binary is executable.
up_to_date() {
    local stamp="$1" want="$2"; shift 2
    [ "$force" = 0 ] || return 1
    [ -f "$bin_dir/$stamp" ] && [ "$(cat "$bin_dir/$stamp")" = "$want" ] || return 1
    local b
    for b in "$@"; do [ -x "$bin_dir/$b" ] || return 1; done
}

mkdir -p "$bin_dir"
# Serialise concurrent runs (e.g. parallel test workers) on one install root.
if command -v flock >/dev/null 2>&1; then
    exec 9>"$home_dir/.install.lock"
    flock 9
fi
tmp="$(mktemp -d "$home_dir/.build.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT

# --- core: pulumi CLI + Node.js language host + launchers ---------------------
core_hash="$(hash_files go/go.mod go/go.sum go/cmd launchers install.sh)"
if up_to_date .stamp-core "$core_hash" pulumi pulumi-language-nodejs; then
    log "pulumi $PULUMI_VERSION + pulumi-language-nodejs up to date in $bin_dir"
else
    log "building pulumi $PULUMI_VERSION and pulumi-language-nodejs (first build takes several minutes; Go caches make later ones fast)"
    start=$(date +%s)
    ( cd "$here/go" && "$GO" build -buildvcs=false -trimpath -ldflags "$ldflags_pulumi" -o "$tmp/" \
        github.com/pulumi/pulumi/pkg/v3/cmd/pulumi ./cmd/pulumi-language-nodejs ) \
        || die "go build failed (modules come from GOPROXY=$("$GO" env GOPROXY))"
    mv -f "$tmp/pulumi" "$bin_dir/pulumi"
    mv -f "$tmp/pulumi-language-nodejs" "$bin_dir/pulumi-language-nodejs"
    log "built in $(( $(date +%s) - start ))s"
    for l in "$here"/launchers/*; do
        install -m 0755 "$l" "$bin_dir/$(basename "$l")"
    done
    # Pre-3.221 CLIs started Node policy packs through this name.
    install -m 0755 "$here/launchers/pulumi-analyzer-policy-nodejs" "$bin_dir/pulumi-analyzer-policy"
    echo "$core_hash" > "$bin_dir/.stamp-core"
fi

# --- optional: YAML language host ----------------------------------------------
if [ "$with_yaml" = 1 ]; then
    yaml_hash="$(hash_files go/yaml/go.mod go/yaml/go.sum)"
    if up_to_date .stamp-yaml "$yaml_hash" pulumi-language-yaml; then
        log "pulumi-language-yaml $YAML_VERSION up to date"
    else
        log "building pulumi-language-yaml $YAML_VERSION"
        start=$(date +%s)
        ( cd "$here/go/yaml" && "$GO" build -buildvcs=false -trimpath \
            -ldflags "-s -w -X github.com/pulumi/pulumi-yaml/pkg/version.Version=${YAML_VERSION}" \
            -o "$tmp/pulumi-language-yaml" github.com/pulumi/pulumi-yaml/cmd/pulumi-language-yaml ) \
            || die "go build of pulumi-language-yaml failed"
        mv -f "$tmp/pulumi-language-yaml" "$bin_dir/pulumi-language-yaml"
        echo "$yaml_hash" > "$bin_dir/.stamp-yaml"
        log "built in $(( $(date +%s) - start ))s"
    fi
fi

# --- optional: Python language host ---------------------------------------------
if [ "$with_python" = 1 ]; then
    python_hash="$(hash_files go/python)"
    if up_to_date .stamp-python "$python_hash" pulumi-language-python pulumi-language-python-exec \
        pulumi-resource-pulumi-python; then
        log "pulumi-language-python $PULUMI_VERSION up to date"
    else
        log "building pulumi-language-python $PULUMI_VERSION"
        start=$(date +%s)
        ( cd "$here/go/python" && "$GO" build -buildvcs=false -trimpath -ldflags "$ldflags_pulumi" \
            -o "$tmp/pulumi-language-python" ./cmd/pulumi-language-python ) \
            || die "go build of pulumi-language-python failed"
        mv -f "$tmp/pulumi-language-python" "$bin_dir/pulumi-language-python"
        install -m 0755 "$here/go/python/pulumi-language-python-exec" "$bin_dir/pulumi-language-python-exec"
        install -m 0755 "$here/go/python/pulumi-resource-pulumi-python" "$bin_dir/pulumi-resource-pulumi-python"
        echo "$python_hash" > "$bin_dir/.stamp-python"
        log "built in $(( $(date +%s) - start ))s"
    fi
fi

log "done; add this directory to PATH:"
echo "$bin_dir"
