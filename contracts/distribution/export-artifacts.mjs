#!/usr/bin/env node
// Trims forge's build output to the artifacts the Rust side binds with alloy `sol!`:
// artifacts/<Name>.json = { contractName, abi, bytecode, deployedBytecode } (0x-prefixed hex).
// The bytecode carries no metadata hash or CBOR trailer (foundry.toml), so the same sources and
// compiler give the same bytes on any machine, and a diff means the sources changed.
//
//   node export-artifacts.mjs           # (re)write artifacts/ from out/ (run `forge build` first)
//   node export-artifacts.mjs --check   # exit 1 if artifacts/ differs from out/
import { readFileSync, writeFileSync, existsSync, mkdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const CONTRACTS = ['AirdropDistributor', 'AirdropDistributorClone', 'AirdropDistributorFactory', 'AirdropDistributorFront', 'BatchSender']
const here = dirname(fileURLToPath(import.meta.url))
const check = process.argv.includes('--check')
const outDir = join(here, 'artifacts')
if (!check) mkdirSync(outDir, { recursive: true })

let stale = []
for (const name of CONTRACTS) {
  const built = join(here, 'out', `${name}.sol`, `${name}.json`)
  if (!existsSync(built)) {
    console.error(`error: ${built} missing; run forge build first`)
    process.exit(1)
  }
  const forgeJson = JSON.parse(readFileSync(built, 'utf8'))
  const artifact = {
    contractName: name,
    abi: forgeJson.abi,
    bytecode: forgeJson.bytecode.object,
    deployedBytecode: forgeJson.deployedBytecode.object,
  }
  const text = JSON.stringify(artifact, null, 2) + '\n'
  const target = join(outDir, `${name}.json`)
  if (check) {
    if (!existsSync(target) || readFileSync(target, 'utf8') !== text) stale.push(name)
  } else {
    writeFileSync(target, text)
    console.log(`wrote artifacts/${name}.json`)
  }
}
if (stale.length) {
  console.error(`error: committed artifacts out of date for: ${stale.join(', ')}`)
  console.error('run: (cd contracts/distribution && bash test.sh --write-artifacts) and commit artifacts/')
  process.exit(1)
}
if (check) console.log('artifacts up to date: ' + CONTRACTS.join(', '))
