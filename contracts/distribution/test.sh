#!/usr/bin/env bash
# Builds and tests the distribution contracts from a fresh machine that has only node and npm:
# installs the pinned forge, solc-js, OpenZeppelin and Uniswap's distributor from npm, compiles
# through ./solc-shim (forge never downloads a compiler), checks the committed artifacts against
# a fresh build, then runs the forge tests.
#
#   bash contracts/distribution/test.sh                     # what CI runs
#   bash contracts/distribution/test.sh --write-artifacts   # rebuild and rewrite artifacts/
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

npm ci --no-audit --no-fund

# The npm wrapper (node_modules/.bin/forge) does not pass on forge's exit code, so a failing
# build or test would look green: run the platform binary directly.
FORGE="$(node -e '
  const arch = { x64: "amd64", arm64: "arm64" }[process.arch]
  const pkg = `@foundry-rs/forge-${process.platform}-${arch}/package.json`
  const dir = require("path").dirname(require.resolve(pkg))
  console.log(require("path").join(dir, "bin", process.platform === "win32" ? "forge.exe" : "forge"))
')"
"$FORGE" --version | head -n 1
./solc-shim --version | tail -n 1

# A clean build each time: the artifact check must see what these sources compile to.
rm -rf out cache
"$FORGE" build

if [[ "${1:-}" == "--write-artifacts" ]]; then
  node export-artifacts.mjs
else
  node export-artifacts.mjs --check
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
"$FORGE" test | tee "$log"
# One plain summary line for CI log readers.
grep -E 'tests passed, [0-9]+ failed' "$log" | tail -n 1 \
  | sed -E 's/.*: ([0-9]+) tests passed, ([0-9]+) failed, ([0-9]+) skipped.*/forge: \1 passed, \2 failed, \3 skipped/'
