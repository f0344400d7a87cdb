#!/usr/bin/env bash
# End-to-end smoke test of the locally built engine, run in a throw-away
# directory (never in the repo): a TypeScript program with a
# pulumi.dynamic.Resource goes through stack init, preview, up, a no-change
# preview and a preview with a Node.js policy pack (once passing, once with a
# mandatory violation that must fail the preview).
#
# Usage: testkit/engine/smoke.sh            (builds/refreshes the engine first)
# Needs: node, and the repo's node_modules (npm ci) for @pulumi/pulumi,
#        @pulumi/policy, typescript and @types/node.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
nm="$repo/node_modules"
for m in @pulumi/pulumi @pulumi/policy typescript @types/node; do
    [ -e "$nm/$m/package.json" ] || { echo "smoke: $nm/$m missing (run npm ci)" >&2; exit 1; }
done

bin_dir="$("$here/install.sh" --quiet | tail -n1)"
work="$(mktemp -d "${TMPDIR:-/tmp}/bluegreen-engine-smoke.XXXXXX")"
trap 'rm -rf "$work"' EXIT

export PATH="$bin_dir:$PATH"
export PULUMI_HOME="$work/pulumi-home"
export PULUMI_BACKEND_URL="file://$work/state"
export PULUMI_CONFIG_PASSPHRASE=test
export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true
export PULUMI_DIY_BACKEND_NO_LEGACY_WARNING=true
mkdir -p "$work/state"

# Only link what the program needs: linking the whole node_modules would make
# the engine want the aws/kubernetes/docker provider plugins as well.
link_modules() { # DIR MODULE...
    local dir="$1"; shift
    local m
    for m in "$@"; do
        mkdir -p "$dir/node_modules/$(dirname "$m")"
        ln -s "$nm/$m" "$dir/node_modules/$m"
    done
}

proj="$work/program"
mkdir -p "$proj"
link_modules "$proj" @pulumi/pulumi typescript @types/node
cat > "$proj/Pulumi.yaml" <<'EOF'
name: engine-smoke
runtime: nodejs
EOF
cat > "$proj/package.json" <<'EOF'
{ "name": "engine-smoke", "version": "0.0.0", "private": true, "main": "index.ts" }
EOF
cat > "$proj/tsconfig.json" <<'EOF'
{ "compilerOptions": { "strict": true, "target": "es2020", "module": "commonjs",
  "moduleResolution": "node", "esModuleInterop": true, "types": ["node"] }, "files": ["index.ts"] }
EOF
cat > "$proj/index.ts" <<'EOF'
import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: any) {
        return { id: `greeting-${inputs.name}`, outs: { ...inputs, message: `hello ${inputs.name}` } };
    },
    async update(_id: string, _olds: any, news: any) {
        return { outs: { ...news, message: `hello ${news.name}` } };
    },
    async diff(_id: string, olds: any, news: any) {
        return { changes: olds.name !== news.name };
    },
};

class Greeting extends pulumi.dynamic.Resource {
    public readonly message!: pulumi.Output<string>;
    constructor(name: string, args: { name: pulumi.Input<string> }, opts?: pulumi.CustomResourceOptions) {
        super(provider, name, { message: undefined, ...args }, opts);
    }
}

const who = new pulumi.Config().get("who") ?? "bluegreen";
export const message = new Greeting("greeting", { name: who }).message;
EOF

pack="$work/policy"
mkdir -p "$pack"
link_modules "$pack" @pulumi/pulumi @pulumi/policy
cat > "$pack/PulumiPolicy.yaml" <<'EOF'
runtime: nodejs
description: engine smoke-test policy pack
EOF
cat > "$pack/package.json" <<'EOF'
{ "name": "engine-smoke-policy", "version": "0.0.1", "private": true, "main": "index.js" }
EOF
cat > "$pack/index.js" <<'EOF'
const { PolicyPack } = require("@pulumi/policy");
new PolicyPack("engine-smoke-policy", {
    policies: [{
        name: "no-goodbye",
        description: "Greetings must not say goodbye.",
        enforcementLevel: "mandatory",
        validateResource: (args, reportViolation) => {
            if (args.type === "pulumi-nodejs:dynamic:Resource" && args.props.name === "goodbye") {
                reportViolation("greetings must not say goodbye");
            }
        },
    }],
});
EOF

step() { echo "== $*" >&2; }
cd "$proj"
step "pulumi version: $(pulumi version)"
step "stack init";                 pulumi stack init smoke
step "preview";                    pulumi preview
step "up";                         pulumi up --yes --skip-preview
[ "$(pulumi stack output message)" = "hello bluegreen" ] || { echo "smoke: wrong stack output" >&2; exit 1; }
step "preview --expect-no-changes"; pulumi preview --expect-no-changes
step "preview --policy-pack";      pulumi preview --expect-no-changes --policy-pack "$pack"
step "policy violation must fail"
pulumi config set who goodbye
if pulumi preview --policy-pack "$pack" >"$work/violation.log" 2>&1; then
    cat "$work/violation.log"; echo "smoke: policy violation was not reported" >&2; exit 1
fi
grep -q "greetings must not say goodbye" "$work/violation.log" || { cat "$work/violation.log"; exit 1; }
step "destroy";                    pulumi destroy --yes --skip-preview
echo "smoke: 1 passed, 0 failed"
