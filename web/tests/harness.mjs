// Shared set-up of the web pages' browser tests: Debian's chromium driven by playwright-core,
// a test EIP-1193 wallet injected into each page, axe-core accessibility checks, and
// screenshots at desktop and phone width. Scenario scripts in web/tests/ import this and are
// run by the Rust tests (crates/cli/tests/it/pages_*.rs) against a real `airdrop serve` and a
// real anvil.
//
// The test wallet: `window.ethereum.request` forwards each call to the node (anvil), whose
// development accounts are unlocked, so anvil signs with its development key — personal_sign,
// eth_signTypedData_v4 and eth_sendTransaction are the real signatures and transactions a
// wallet would make. `wallet.reject = true` makes the next prompt fail as a user closing it
// does (EIP-1193 error 4001), and nothing reaches the node. `wallet.tamper = true` alters the
// next signature the node returns (one byte of r), as a broken or hostile wallet would: the
// server must refuse it.
import { chromium } from 'playwright-core';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const artifacts = resolve(process.env.AIRDROP_ARTIFACTS || join(root, 'ci-artifacts'));
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 360, height: 740 };

// Methods that open a wallet prompt: the ones a user can refuse.
const PROMPTS = new Set(['eth_requestAccounts', 'personal_sign', 'eth_signTypedData_v4', 'eth_sendTransaction']);

/** Starts chromium; `close()` removes its profile. */
export async function launch() {
  mkdirSync(artifacts, { recursive: true });
  const profile = mkdtempSync(join(tmpdir(), 'pages-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.AIRDROP_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    // Only for injecting axe-core: the pages' own policy forbids scripts from anywhere else.
    bypassCSP: true,
    viewport: DESKTOP,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * A new page with a test wallet for `account` on the node at `rpc` (or no wallet when `rpc` is
 * null). Returns { page, wallet, errors }: `wallet.calls` lists every request the page made,
 * `wallet.reject` refuses the next prompt, `errors` collects console errors and page errors.
 */
export async function openPage(context, { rpc = null, account = null, chainId = null } = {}) {
  const page = await context.newPage();
  const wallet = { calls: [], reject: false, tamper: false, sent: [] };
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  if (rpc) {
    await page.exposeFunction('__testWallet', async (method, params) => {
      wallet.calls.push({ method, params });
      if (PROMPTS.has(method) && wallet.reject) {
        wallet.reject = false;
        return { error: { code: 4001, message: 'User rejected the request.' } };
      }
      if (method === 'eth_requestAccounts' || method === 'eth_accounts') return { result: [account] };
      if (method === 'eth_sendTransaction') wallet.sent.push(params[0]);
      const res = await fetch(rpc, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: params ?? [] }),
      });
      const body = await res.json();
      if (body.error) return { error: body.error };
      if (wallet.tamper && (method === 'personal_sign' || method === 'eth_signTypedData_v4')) {
        wallet.tamper = false;
        const flipped = ((parseInt(body.result.slice(2, 4), 16) ^ 1) & 255).toString(16).padStart(2, '0');
        return { result: '0x' + flipped + body.result.slice(4) };
      }
      return { result: body.result };
    });
    await page.addInitScript(({ chainId: id }) => {
      const listeners = {};
      window.ethereum = {
        isTestWallet: true,
        async request({ method, params }) {
          if (method === 'eth_chainId' && id) return id;
          const out = await window.__testWallet(method, params);
          if (out.error) {
            const err = new Error(out.error.message);
            err.code = out.error.code;
            throw err;
          }
          return out.result;
        },
        on(event, fn) { (listeners[event] ||= []).push(fn); },
        removeListener(event, fn) { listeners[event] = (listeners[event] || []).filter((f) => f !== fn); },
      };
    }, { chainId });
  }
  return { page, wallet, errors };
}

/** axe-core's violations on the page as it is now (WCAG 2 A/AA rules), [] when clean. */
export async function axe(page) {
  await page.addScriptTag({ path: join(root, 'node_modules', 'axe-core', 'axe.min.js') });
  const result = await page.evaluate(async () => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
  }));
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')),
  }));
}

/**
 * Screenshots of the page at desktop and phone width (`<name>-desktop.png`, `<name>-phone.png`
 * in the artifacts folder), and whether the page scrolls sideways at phone width (it must not).
 */
export async function screenshots(page, name) {
  await page.setViewportSize(DESKTOP);
  await page.screenshot({ path: join(artifacts, `${name}-desktop.png`), fullPage: true });
  await page.setViewportSize(PHONE);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  await page.screenshot({ path: join(artifacts, `${name}-phone.png`), fullPage: true });
  await page.setViewportSize(DESKTOP);
  return { overflow };
}

/** The text of the page's `#status` live region ('' when empty). */
export async function status(page) {
  return (await page.locator('#status').textContent()) || '';
}

/** Waits (up to `ms`) until the page's `#status` matches the regular expression `re`; its text. */
export async function waitStatus(page, re, ms = 60_000) {
  await page.waitForFunction((src) => new RegExp(src).test(document.getElementById('status')?.textContent || ''), re, { timeout: ms });
  return status(page);
}
