// Drives a claim kit's index.html, opened from disk (file://), in headless Chromium with
// playwright-core: types each given text into the address field, and prints what the page
// showed for each as one JSON object on stdout. The Rust test crates/cli/tests/it/kit_browser.rs
// runs it and compares the call data with the engine's.
// Usage: node scripts/kit-browser.mjs KIT_DIR NAME=TEXT...
// A NAME starting with `wallet` also presses "Send with my wallet" against a test EIP-1193
// provider injected into the page (it records the requests and answers like a wallet on chain
// 1), and reports what the page asked the wallet to send.
// Screenshots go to ${AIRDROP_ARTIFACTS:-ci-artifacts}/kit-NAME.png.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [kitDir, ...cases] = process.argv.slice(2);
if (!kitDir || cases.length === 0 || cases.some((c) => !c.includes('='))) {
  console.error('usage: node scripts/kit-browser.mjs KIT_DIR NAME=TEXT...');
  process.exit(2);
}
const artifacts = resolve(process.env.AIRDROP_ARTIFACTS || 'ci-artifacts');
mkdirSync(artifacts, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'kit-chromium-'));

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.AIRDROP_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = { requests: [], consoleErrors: [], cases: {} };
try {
  const page = await context.newPage();
  await page.addInitScript(() => {
    window.__walletCalls = [];
    window.ethereum = {
      request: async ({ method, params }) => {
        window.__walletCalls.push({ method, params });
        if (method === 'eth_requestAccounts') return ['0x70997970C51812dc3A010C7d01b50e0d17dc79C8'];
        if (method === 'eth_chainId') return '0x1';
        if (method === 'eth_sendTransaction') return '0x' + 'ab'.repeat(32);
        throw new Error(`unexpected ${method}`);
      },
    };
  });
  page.on('request', (r) => out.requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') out.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => out.consoleErrors.push(String(e)));
  await page.goto(pathToFileURL(join(resolve(kitDir), 'index.html')).href);
  out.signed = await page.textContent('#k-signed');
  out.distributor = await page.textContent('#k-distributor');
  const shown = async (id) => (await page.evaluate((i) => !document.getElementById(i).hidden, id))
    ? page.textContent(`#${id}`) : null;

  for (const c of cases) {
    const at = c.indexOf('=');
    const name = c.slice(0, at);
    const before = out.requests.length;
    await page.fill('#address', c.slice(at + 1));
    const refusedOnInput = await page.evaluate(() => !document.getElementById('refused').hidden);
    await page.click('#find');
    await page.waitForFunction(() => ['result', 'error', 'refused']
      .some((id) => !document.getElementById(id).hidden));
    const result = await page.evaluate(() => !document.getElementById('result').hidden);
    out.cases[name] = {
      result,
      error: await shown('error'),
      refused: await shown('refused'),
      calldata: result ? await page.inputValue('#calldata') : null,
      amount: result ? await page.textContent('#r-amount') : null,
      account: result ? await page.textContent('#r-account') : null,
      field: await page.inputValue('#address'),
      refusedOnInput,
      requests: out.requests.length - before,
    };
    if (name.startsWith('wallet') && result) {
      await page.click('#send');
      await page.waitForFunction(() => !document.getElementById('sent').hidden
        || !document.getElementById('error').hidden);
      out.cases[name].sent = await shown('sent');
      out.cases[name].walletCalls = await page.evaluate(() => window.__walletCalls);
    }
    await page.screenshot({ path: join(artifacts, `kit-${name}.png`), fullPage: true });
  }
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
