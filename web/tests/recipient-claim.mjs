// The claim page in Chromium against a real `airdrop serve` and anvil (run by
// crates/cli/tests/it/pages_recipient.rs, which passes one JSON argument: base, rpc, campaign,
// later (a campaign whose window has not opened), direct and gasless (eligible dev accounts),
// stranger (an ineligible address)). Prints one JSON object: for each case the page's message,
// the wallet calls and the requests the page made; axe violations and overflow per page state;
// the first load's transferred bytes.
import { launch, openPage, axe, screenshots, status, waitStatus } from './harness.mjs';

const cfg = JSON.parse(process.argv[2]);
const out = { cases: {}, axe: {}, overflow: {}, errors: [] };
const { context, close } = await launch();

async function check(page, name) {
  out.axe[name] = await axe(page);
  out.overflow[name] = (await screenshots(page, name)).overflow;
}
/** The requests a page makes to the server after `since` (URLs, method). */
function track(page) {
  const seen = [];
  page.on('request', (r) => { if (!r.url().includes('/assets/')) seen.push(`${r.method()} ${new URL(r.url()).pathname}${new URL(r.url()).search}`); });
  return seen;
}
const claimUrl = (c, a) => `${cfg.base}/claim/${c}${a ? `?address=${a}` : ''}`;
const wallet = (account, chainId = null) => openPage(context, { rpc: cfg.rpc, account, chainId });

try {
  // First load, fresh profile, nothing cached: what a recipient's browser transfers.
  {
    const { page, errors } = await openPage(context);
    await page.goto(claimUrl(cfg.campaign, cfg.direct), { waitUntil: 'load' });
    out.firstLoad = await page.evaluate(() => {
      const nav = performance.getEntriesByType('navigation')[0];
      const res = performance.getEntriesByType('resource');
      return { html: nav.transferSize, assets: res.map((r) => ({ name: new URL(r.name).pathname, bytes: r.transferSize, encoded: r.encodedBodySize })),
        total: nav.transferSize + res.reduce((n, r) => n + r.transferSize, 0) };
    });
    out.noJs = await page.locator('#amount').textContent();
    out.chart = await page.locator('#vesting-chart').count();
    out.announcement = await page.locator('#announcement').textContent();
    await check(page, 'claim-eligible');
    out.errors.push(...errors);
    await page.close();
  }
  // The 404 page.
  {
    const { page } = await openPage(context);
    const res = await page.goto(`${cfg.base}/claim/no-such-drop`);
    out.notFound = { status: res.status(), text: await page.locator('main').textContent() };
    await check(page, 'claim-unknown');
    await page.close();
  }
  // Typed input refused or rejected in the page: nothing is sent anywhere.
  {
    const { page, wallet: w, errors } = await wallet(cfg.direct);
    await page.goto(claimUrl(cfg.campaign));
    await check(page, 'claim-start');
    const seen = track(page);
    const typed = async (name, text) => {
      await page.fill('#address', text);
      await page.press('#address', 'Enter');
      await page.waitForTimeout(300);
      out.cases[name] = { message: await status(page), field: await page.inputValue('#address'), url: page.url(),
        requests: seen.splice(0), walletCalls: w.calls.splice(0) };
    };
    await typed('phrase', 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about');
    await check(page, 'claim-refused');
    await typed('key', '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');
    await typed('malformed', '0x1234');
    await typed('checksum', cfg.typo);
    await check(page, 'claim-bad-address');
    // A well-formed address without a claim: the look-up is made, the server says so.
    await page.fill('#address', cfg.stranger);
    await Promise.all([page.waitForNavigation(), page.press('#address', 'Enter')]);
    out.cases.ineligible = { message: await page.locator('#result').textContent(), walletCalls: w.calls.splice(0) };
    await check(page, 'claim-ineligible');
    out.errors.push(...errors);
    await page.close();
  }
  // Connect: the wallet's own address is looked up.
  {
    const { page, wallet: w } = await wallet(cfg.direct);
    await page.goto(claimUrl(cfg.campaign));
    await Promise.all([page.waitForNavigation(), page.click('#connect')]);
    out.cases.connect = { url: page.url(), amount: await page.locator('#amount').textContent() };
    // The user closes the prompt.
    w.calls.splice(0);
    w.reject = true;
    await page.click('#claim-direct');
    out.cases.closedPrompt = { message: await waitStatus(page, 'closed the wallet'), sent: w.sent.length,
      walletCalls: w.calls.map((c) => c.method) };
    await page.close();
  }
  // The wallet on another chain, or on another account: refused before any prompt to sign.
  {
    const { page, wallet: w } = await wallet(cfg.direct, '0x1');
    await page.goto(claimUrl(cfg.campaign, cfg.direct));
    await page.click('#claim-direct');
    out.cases.wrongChain = { message: await waitStatus(page, 'chain'), sent: w.sent.length };
    await page.close();
    const other = await wallet(cfg.direct);
    await other.page.goto(claimUrl(cfg.campaign, cfg.gasless));
    await other.page.click('#claim-gasless');
    out.cases.wrongAccount = { message: await waitStatus(other.page, 'this claim is for'), sent: other.wallet.sent.length,
      signed: other.wallet.calls.filter((c) => c.method === 'eth_signTypedData_v4').length };
    await other.page.close();
  }
  // A window that has not opened.
  {
    const { page, wallet: w } = await wallet(cfg.direct);
    await page.goto(claimUrl(cfg.later, cfg.direct));
    await page.click('#claim-direct');
    out.cases.closedWindow = { message: await waitStatus(page, 'open'), walletCalls: w.calls.length, window: await page.locator('#window').textContent() };
    await check(page, 'claim-not-open');
    await page.close();
    // A window that has closed.
    const ended = await openPage(context);
    await ended.page.goto(claimUrl('ended', cfg.direct));
    out.cases.ended = { window: await ended.page.locator('#window').textContent() };
    await check(ended.page, 'claim-closed');
    await ended.page.close();
  }
  // Direct claim on chain.
  {
    const { page, wallet: w, errors } = await wallet(cfg.direct);
    await page.goto(claimUrl(cfg.campaign, cfg.direct));
    await page.click('#claim-direct');
    out.cases.direct = { message: await waitStatus(page, 'Confirmed|Reverted|refuse|did not'), sent: w.sent };
    // The figures follow in place, without a reload, once the server has seen the claim.
    let shown = '';
    for (let i = 0; i < 60 && !/^[1-9]/.test(shown); i++) {
      await page.waitForTimeout(500);
      shown = (await page.locator('#claimed').textContent()) || '';
    }
    out.cases.direct.claimedShown = shown;
    out.cases.direct.claimableShown = (await page.locator('#claimable').textContent()) || '';
    await check(page, 'claim-confirmed');
    // Once the server has seen the claim, the page says so and a second claim sends nothing.
    let already = '';
    for (let i = 0; i < 60 && !already.includes('Already claimed'); i++) {
      await page.waitForTimeout(500);
      await page.goto(claimUrl(cfg.campaign, cfg.direct));
      already = (await page.locator('#window').count()) ? await page.locator('#window').textContent() : '';
    }
    w.calls.splice(0);
    await page.click('#claim-direct');
    out.cases.alreadyClaimed = { page: already, message: await waitStatus(page, 'Already claimed'), walletCalls: w.calls.length };
    await check(page, 'claim-already');
    out.errors.push(...errors);
    await page.close();
  }
  // Gasless: a tampered signature is refused by the server; the real one is relayed.
  {
    const { page, wallet: w, errors } = await wallet(cfg.gasless);
    await page.goto(claimUrl(cfg.campaign, cfg.gasless));
    w.tamper = true;
    await page.click('#claim-gasless');
    out.cases.badSignature = { message: await waitStatus(page, 'refused|not queued'), sent: w.sent.length };
    // The browser logs the refused POST's 400 as a console error: that one is expected.
    const at = errors.findIndex((e) => e.includes('status of 400'));
    if (at >= 0) errors.splice(at, 1);
    await check(page, 'claim-bad-signature');
    await page.click('#claim-gasless');
    out.cases.gasless = { message: await waitStatus(page, 'Submitted|could not|refused|not queued'), sent: w.sent.length,
      signed: w.calls.filter((c) => c.method === 'eth_signTypedData_v4').length };
    await check(page, 'claim-gasless');
    out.errors.push(...errors);
    await page.close();
  }
  // The wallet page: the campaigns with a claim for the address, and the scan over the node.
  {
    const { page, errors } = await openPage(context);
    await page.goto(`${cfg.base}/wallet/${cfg.direct}`, { timeout: 60_000 });
    out.wallet = { claims: await page.locator('#claims').textContent(), links: await page.locator('#claims a').count(),
      scan: await page.locator('#scan').textContent() };
    await check(page, 'wallet');
    const bad = await page.goto(`${cfg.base}/wallet/0x1234`);
    out.walletBad = { status: bad.status(), text: await page.locator('#result').textContent() };
    await check(page, 'wallet-bad-address');
    out.errors.push(...errors.filter((e) => !e.includes('status of 400')));
    await page.close();
  }
} catch (e) {
  out.failure = String(e && e.stack || e);
} finally {
  await close();
}
process.stdout.write(JSON.stringify(out));
