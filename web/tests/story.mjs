// The issue's end-to-end story on one campaign, in Chromium against a real `airdrop serve` and a
// real anvil (run by crates/cli/tests/it/pages_story.rs, which does the creator's API and chain
// steps between the phases and asserts on the JSON this prints). One JSON argument: base, rpc,
// campaign, alice and bob (anvil dev accounts), reviewerKey, adminKey, phase:
//   join    — Alice signs up, Bob signs up with her referral code, both submit evidence on the
//             task board; the reviewer approves both in the dashboard; the admin downloads
//             points.csv from the dashboard.
//   publish — the admin runs the build and the publish job in the dashboard.
//   claim   — Alice claims directly, Bob gasless; the dashboard shows both claimed.
// Every state visited is checked with axe and screenshotted at desktop and phone width
// (story-<step>-desktop.png / -phone.png in the artifacts folder).
import { readFileSync } from 'node:fs';
import { axe, launch, openPage, screenshots, waitStatus } from './harness.mjs';
import { approve, claimedCount, openCampaign, runJob, signIn } from './admin-steps.mjs';

const cfg = JSON.parse(process.argv[2]);
const out = { phase: cfg.phase, axe: {}, overflow: {}, errors: [] };
const { context, close } = await launch();

async function check(page, name) {
  out.axe[name] = await axe(page);
  out.overflow[name] = (await screenshots(page, `story-${name}`)).overflow;
}
// The dashboard's expected 4xx (nothing built yet, not published yet) are logged by the browser
// as failed resources; the page handles them. Anything else is a real error.
const unexpected = (errors) => errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e));
const wallet = (account) => openPage(context, { rpc: cfg.rpc, account });
const url = (page, address) => `${cfg.base}/${page}/${cfg.campaign}${address ? `?address=${address}` : ''}`;

/** Signs `account` up on the sign-up page (with `ref` prefilled from a referral link). */
async function signUp(account, name, ref) {
  const { page, errors } = await wallet(account);
  await page.goto(`${url('signup')}${ref ? `?ref=${ref}` : ''}`);
  const prefilled = await page.inputValue('#referral');
  await check(page, `${name}-signup`);
  await page.click('#signup');
  const message = await waitStatus(page, 'Signed up|refused|did not|already|closed');
  await check(page, `${name}-signed-up`);
  out.errors.push(...errors);
  await page.close();
  return { prefilled, message };
}

/** Submits `evidence` for the campaign's (single) task as `account`; the board's state after. */
async function submitEvidence(account, name, evidence) {
  const { page, errors } = await wallet(account);
  await page.goto(url('tasks'));
  await page.fill('form.submit-task textarea', evidence);
  await Promise.all([page.waitForURL(/address=/, { timeout: 60_000 }), page.click('form.submit-task button')]);
  const shown = await page.locator('p.submission').allTextContents();
  await check(page, `${name}-task-pending`);
  out.errors.push(...errors);
  await page.close();
  return shown;
}

try {
  if (cfg.phase === 'join') {
    out.alice = await signUp(cfg.alice, 'alice');
    out.code = (out.alice.message.match(/referral code is ([0-9a-f]+)/) || [])[1] || '';
    if (!out.code) throw new Error(`no referral code in ${JSON.stringify(out.alice.message)}`);
    out.bob = await signUp(cfg.bob, 'bob', out.code);
    out.aliceTask = await submitEvidence(cfg.alice, 'alice', 'https://example.org/posts/alice (my thread about the drop)');
    out.bobTask = await submitEvidence(cfg.bob, 'bob', 'https://example.org/posts/bob');

    // The reviewer approves every pending submission in the dashboard.
    const { page, errors } = await openPage(context);
    await signIn(page, cfg.base, cfg.reviewerKey);
    await openCampaign(page, cfg.base, cfg.campaign);
    const pending = await page.$$eval('button[data-approve]', (b) => b.map((x) => x.dataset.approve));
    await check(page, 'review-pending');
    out.pending = pending;
    out.approved = [];
    for (const id of pending) out.approved.push(await approve(page, cfg.base, cfg.campaign, id));
    out.reviewStates = await page.$$eval('#review-rows tr', (rows) => rows.map((r) => r.children[4].textContent));
    await check(page, 'review-approved');
    await page.click('#signout');

    // The admin exports the points the approvals earned.
    await signIn(page, cfg.base, cfg.adminKey);
    await openCampaign(page, cfg.base, cfg.campaign);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-points')]);
    out.points = { name: download.suggestedFilename(), body: readFileSync(await download.path(), 'utf8') };
    await check(page, 'exported');
    out.errors.push(...unexpected(errors));
    await page.close();
  } else if (cfg.phase === 'publish') {
    const { page, errors } = await openPage(context);
    await signIn(page, cfg.base, cfg.adminKey);
    await openCampaign(page, cfg.base, cfg.campaign);
    await check(page, 'before-build');
    out.build = await runJob(page, 'build');
    await check(page, 'built');
    out.publish = await runJob(page, 'publish');
    await check(page, 'published');
    out.errors.push(...unexpected(errors));
    await page.close();
  } else if (cfg.phase === 'claim') {
    // Alice: a direct claim, a wallet transaction to the distributor.
    {
      const { page, wallet: w, errors } = await wallet(cfg.alice);
      await page.goto(url('claim', cfg.alice));
      out.aliceAmount = await page.locator('#amount').textContent();
      await check(page, 'alice-claim');
      await page.click('#claim-direct');
      out.direct = { message: await waitStatus(page, 'Confirmed|Reverted|refuse|did not|could not'), sent: w.sent };
      await check(page, 'alice-claimed');
      out.errors.push(...errors);
      await page.close();
    }
    // Bob: gasless, the wallet signs the EIP-712 claim and the server's relayer sends it.
    {
      const { page, wallet: w, errors } = await wallet(cfg.bob);
      await page.goto(url('claim', cfg.bob));
      out.bobAmount = await page.locator('#amount').textContent();
      await check(page, 'bob-claim');
      await page.click('#claim-gasless');
      out.gasless = { message: await waitStatus(page, 'Submitted|could not|refused|not queued|did not'), sent: w.sent.length,
        signed: w.calls.filter((c) => c.method === 'eth_signTypedData_v4').length };
      await check(page, 'bob-claimed');
      out.errors.push(...errors);
      await page.close();
    }
    // The dashboard: both claims claimed once the server has read them from the chain.
    {
      const { page, errors } = await openPage(context);
      await signIn(page, cfg.base, cfg.reviewerKey);
      // Opening the campaign again reloads its figures, as a creator watching the drop does.
      for (let i = 0; i < 60; i++) {
        out.claimed = await claimedCount(page, cfg.base, cfg.campaign);
        if (out.claimed === 2) break;
        await page.waitForTimeout(1000);
      }
      out.claimsText = await page.$eval('#claims-figures', (d) => d.textContent);
      out.figures = await page.$$eval('#claims-figures dt', (dts) => Object.fromEntries(dts.map((dt) => [dt.textContent, dt.nextElementSibling?.textContent ?? ''])));
      await check(page, 'dashboard-claimed');
      out.errors.push(...unexpected(errors));
      await page.close();
    }
  } else {
    throw new Error(`unknown phase ${cfg.phase}`);
  }
} catch (e) {
  out.failure = String(e && e.stack || e);
} finally {
  await close();
}
process.stdout.write(JSON.stringify(out));
