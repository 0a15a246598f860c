#!/usr/bin/env node
// Compiles contracts/src/*.sol with the pinned solc-js (package.json) and writes
// contracts/out/<Name>.json = { contractName, abi, bytecode, deployedBytecode }.
//
// Output is reproducible: fixed compiler version, optimizer settings and EVM version, and no
// metadata hash or CBOR trailer in the bytecode, so the same sources give the same bytes.
//
//   node contracts/build.mjs           # (re)write the artifacts
//   node contracts/build.mjs --check   # exit 1 if a committed artifact differs from the sources
import { readFileSync, readdirSync, writeFileSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const here = dirname(fileURLToPath(import.meta.url))
const root = dirname(here)
const require = createRequire(join(root, 'package.json'))
let solc
try {
  solc = require('solc')
} catch {
  console.error('error: solc not found in node_modules; run `npm ci` at the repository root')
  process.exit(1)
}
const check = process.argv.includes('--check')

const srcDir = join(here, 'src')
const outDir = join(here, 'out')
const sources = {}
for (const file of readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[`src/${file}`] = { content: readFileSync(join(srcDir, file), 'utf8') }
}

const input = {
  language: 'Solidity',
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: 'cancun',
    metadata: { bytecodeHash: 'none', appendCBOR: false },
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
}

function findImports(path) {
  const candidate = join(root, 'node_modules', path)
  if (existsSync(candidate)) return { contents: readFileSync(candidate, 'utf8') }
  return { error: `import not found: ${path} (run npm ci)` }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }))
const errors = (output.errors || []).filter((e) => e.severity === 'error')
for (const e of output.errors || []) console.error(e.formattedMessage)
if (errors.length > 0) process.exit(1)

if (!existsSync(outDir)) mkdirSync(outDir, { recursive: true })
let stale = 0
for (const source of Object.keys(sources)) {
  for (const [name, c] of Object.entries(output.contracts[source] || {})) {
    const artifact = {
      contractName: name,
      compiler: `solc ${solc.version()}`,
      abi: c.abi,
      bytecode: `0x${c.evm.bytecode.object}`,
      deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
    }
    const text = `${JSON.stringify(artifact, null, 2)}\n`
    const path = join(outDir, `${name}.json`)
    if (check) {
      const old = existsSync(path) ? readFileSync(path, 'utf8') : ''
      if (old !== text) {
        console.error(`stale artifact: contracts/out/${name}.json differs from ${source}; run \`npm run build:contracts\``)
        stale += 1
      }
    } else {
      writeFileSync(path, text)
      console.log(`wrote contracts/out/${name}.json`)
    }
  }
}
if (check) {
  if (stale > 0) process.exit(1)
  console.log('contracts/out is up to date')
}
