// Drives a claim kit's index.html, opened from disk (file://), in headless Chromium with
// playwright-core, and prints what the page showed as one JSON object on stdout. The Rust test
// crates/cli/tests/it/kit_browser.rs runs it and compares the call data with the engine's.
// Usage: node scripts/kit-browser.mjs KIT_DIR ELIGIBLE_ADDRESS INELIGIBLE_ADDRESS
// Screenshots go to ${AIRDROP_ARTIFACTS:-ci-artifacts}/kit-*.png.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [kitDir, eligible, ineligible] = process.argv.slice(2);
if (!ineligible) {
  console.error('usage: node scripts/kit-browser.mjs KIT_DIR ELIGIBLE_ADDRESS INELIGIBLE_ADDRESS');
  process.exit(2);
}
const artifacts = resolve(process.env.AIRDROP_ARTIFACTS || 'ci-artifacts');
mkdirSync(artifacts, { recursive: true });
const profile = mkdtempSync(join(tmpdir(), 'kit-chromium-'));
const phrase = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

const context = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.AIRDROP_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const out = { requests: [], consoleErrors: [] };
try {
  const page = await context.newPage();
  page.on('request', (r) => out.requests.push(r.url()));
  page.on('console', (m) => { if (m.type() === 'error') out.consoleErrors.push(m.text()); });
  page.on('pageerror', (e) => out.consoleErrors.push(String(e)));
  const url = pathToFileURL(join(resolve(kitDir), 'index.html')).href;
  await page.goto(url);
  out.signed = await page.textContent('#k-signed');

  const look = async (text) => {
    await page.fill('#address', text);
    await page.click('#find');
    await page.waitForFunction(() => ['result', 'error', 'refused']
      .some((id) => !document.getElementById(id).hidden));
  };
  const visible = (id) => page.evaluate((i) => !document.getElementById(i).hidden, id);

  await look(eligible);
  out.eligible = {
    calldata: await page.inputValue('#calldata'),
    amount: await page.textContent('#r-amount'),
    account: await page.textContent('#r-account'),
    result: await visible('result'),
    error: (await visible('error')) ? await page.textContent('#error') : null,
  };
  await page.screenshot({ path: join(artifacts, 'kit-eligible.png'), fullPage: true });

  await look(ineligible);
  out.ineligible = {
    result: await visible('result'),
    error: (await visible('error')) ? await page.textContent('#error') : null,
  };
  await page.screenshot({ path: join(artifacts, 'kit-ineligible.png'), fullPage: true });

  const before = out.requests.length;
  await look(phrase);
  out.phrase = {
    result: await visible('result'),
    refused: (await visible('refused')) ? await page.textContent('#refused') : null,
    field: await page.inputValue('#address'),
    requests: out.requests.length - before,
  };
  await page.screenshot({ path: join(artifacts, 'kit-phrase-refused.png'), fullPage: true });
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
console.log(JSON.stringify(out));
