// The sign-up page and the task board in Chromium against a real `airdrop serve` (run by
// crates/cli/tests/it/pages_recipient.rs with one JSON argument: base, rpc, campaign, closed (a
// campaign whose sign-ups closed), alice, bob, carol (anvil dev accounts), phase ("before" the
// review or "after" it)). Prints one JSON object: each case's message, wallet calls and the
// requests the page made; axe violations and overflow per page state.
import { launch, openPage, axe, screenshots, status, waitStatus } from './harness.mjs';

const cfg = JSON.parse(process.argv[2]);
const out = { cases: {}, axe: {}, overflow: {}, errors: [] };
const { context, close } = await launch();
const CHAIN = '0x1';
const PHRASE = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

async function check(page, name) {
  out.axe[name] = await axe(page);
  out.overflow[name] = (await screenshots(page, name)).overflow;
}
function track(page) {
  const seen = [];
  page.on('request', (r) => { if (!r.url().includes('/assets/')) seen.push(`${r.method()} ${new URL(r.url()).pathname}`); });
  return seen;
}
const wallet = (account, chainId = CHAIN) => openPage(context, { rpc: cfg.rpc, account, chainId });
const signupUrl = (extra = '') => `${cfg.base}/signup/${cfg.campaign}${extra}`;
const tasksUrl = (extra = '') => `${cfg.base}/tasks/${cfg.campaign}${extra}`;

try {
  if (cfg.phase === 'before') {
    {
      const { page } = await openPage(context);
      await page.goto(signupUrl());
      out.noJs = await page.locator('#state').textContent();
      await check(page, 'signup-open');
      await page.close();
    }
    // A recovery phrase pasted as a referral code: refused in the page, nothing sent.
    {
      const { page, wallet: w, errors } = await wallet(cfg.alice);
      await page.goto(signupUrl());
      const seen = track(page);
      await page.fill('#referral', PHRASE);
      await page.click('#signup');
      await page.waitForTimeout(300);
      out.cases.phrase = { message: await status(page), field: await page.inputValue('#referral'), requests: seen.splice(0), walletCalls: w.calls.length };
      await check(page, 'signup-refused');
      // The real sign-up.
      await page.click('#signup');
      out.cases.alice = { message: await waitStatus(page, 'Signed up|refused|did not'), signed: w.calls.filter((c) => c.method === 'personal_sign').length };
      await check(page, 'signup-signed');
      await page.click('#signup');
      out.cases.again = { message: await waitStatus(page, 'already|refused|did not') };
      out.errors.push(...errors.filter((e) => !e.includes('status of 409')));
      await page.close();
    }
    const code = (out.cases.alice.message.match(/referral code is ([0-9a-f]+)/) || [])[1] || '';
    out.code = code;
    // Bob follows Alice's link: the code is prefilled.
    {
      const { page, errors } = await wallet(cfg.bob);
      await page.goto(signupUrl(`?ref=${code}`));
      out.cases.bob = { prefilled: await page.inputValue('#referral') };
      await page.click('#signup');
      out.cases.bob.message = await waitStatus(page, 'Signed up|refused|did not');
      out.errors.push(...errors);
      await page.close();
    }
    // Carol closes the prompt; then her wallet is on the wrong chain. Nothing is sent.
    {
      const { page, wallet: w } = await wallet(cfg.carol);
      await page.goto(signupUrl());
      const seen = track(page);
      w.reject = true;
      await page.click('#signup');
      out.cases.closedPrompt = { message: await waitStatus(page, 'closed the wallet'), posts: seen.filter((r) => r.startsWith('POST')) };
      await page.close();
      const other = await wallet(cfg.carol, '0x7a69');
      await other.page.goto(signupUrl());
      const seen2 = track(other.page);
      await other.page.click('#signup');
      out.cases.wrongChain = { message: await waitStatus(other.page, 'chain'), posts: seen2.filter((r) => r.startsWith('POST')),
        signed: other.wallet.calls.filter((c) => c.method === 'personal_sign').length };
      await other.page.close();
    }
    // Closed sign-ups, and a wallet's signed-up state, without a wallet.
    {
      const { page } = await openPage(context);
      await page.goto(`${cfg.base}/signup/${cfg.closed}`);
      out.cases.closed = { state: await page.locator('#state').textContent(), button: await page.locator('#signup').count() };
      await check(page, 'signup-closed');
      await page.goto(signupUrl(`?address=${cfg.alice}`));
      out.cases.aliceState = { text: await page.locator('#signed-up').textContent() };
      await check(page, 'signup-state');
      await page.close();
    }
    // The task board: a phrase as evidence is refused; real evidence is signed and submitted.
    {
      const { page, wallet: w, errors } = await wallet(cfg.alice);
      await page.goto(tasksUrl());
      await check(page, 'tasks-board');
      const seen = track(page);
      const field = 'form.submit-task textarea';
      await page.fill(field, PHRASE);
      await page.click('form.submit-task button');
      await page.waitForTimeout(300);
      out.cases.evidencePhrase = { message: await status(page), field: await page.inputValue(field), requests: seen.splice(0), walletCalls: w.calls.length };
      await page.fill(field, 'https://example.org/posts/42 (my thread about the drop)');
      await Promise.all([page.waitForURL(/address=/, { timeout: 30_000 }), page.click('form.submit-task button')]);
      out.cases.submitted = { url: page.url(), text: await page.locator('p.submission').textContent() };
      // The second task, from the page that now shows the first submission.
      await page.fill('form.submit-task textarea', 'https://example.org/videos/7');
      await Promise.all([page.waitForNavigation({ timeout: 30_000 }), page.click('form.submit-task button')]);
      out.cases.submitted.count = await page.locator('p.submission').count();
      await check(page, 'tasks-pending');
      out.errors.push(...errors);
      await page.close();
    }
  } else {
    const { page } = await openPage(context);
    await page.goto(tasksUrl(`?address=${cfg.alice}`));
    const shown = await page.locator('p.submission').allTextContents();
    out.cases.reviewed = { texts: shown, forms: await page.locator('form.submit-task').count() };
    await check(page, 'tasks-approved');
    await page.close();
  }
} catch (e) {
  out.failure = String(e && e.stack || e);
} finally {
  await close();
}
process.stdout.write(JSON.stringify(out));
