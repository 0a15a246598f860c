// The creator dashboard in a real browser against a real `airdrop serve` (run by
// crates/cli/tests/it/pages_admin.rs, which asserts on the JSON this prints).
//
// Usage: node web/tests/admin-dashboard.mjs full   (env ADMIN_BASE, ADMIN_KEY, REVIEWER_KEY,
//        ADMIN_BOUNTY, ADMIN_DROP, ADMIN_APPROVE, ADMIN_REJECT)
//        node web/tests/admin-dashboard.mjs claims (env ADMIN_BASE, REVIEWER_KEY, ADMIN_DROP)
import { readFileSync } from 'node:fs';
import { axe, launch, openPage, screenshots } from './harness.mjs';
import { approve, claimedCount, openCampaign, reject, runJob, signIn } from './admin-steps.mjs';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`set ${k}`);
  return v;
};
const base = env('ADMIN_BASE');
const mode = process.argv[2] ?? 'full';
const out = { mode, axe: {}, overflow: {}, errors: [] };
const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context);
  const apiCalls = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname.startsWith('/v1/')) apiCalls.push(r.url()); });
  const check = async (name) => {
    out.axe[name] = await axe(page);
    out.overflow[name] = (await screenshots(page, `admin-${name}`)).overflow;
    if (out.overflow[name]) {
      // Which elements stick out at phone width, to say what to fix.
      await page.setViewportSize({ width: 360, height: 740 });
      out.wide = out.wide ?? {};
      out.wide[name] = await page.evaluate(() => [...document.querySelectorAll('body *')]
        .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1 && e.offsetParent !== null
          && !e.closest('.table-wrap'))
        .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}.${e.className}`));
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  };

  if (mode === 'claims') {
    await signIn(page, base, env('REVIEWER_KEY'));
    out.claimed = await claimedCount(page, base, env('ADMIN_DROP'));
    out.claimsText = await page.$eval('#claims-figures', (d) => d.textContent);
    out.claimsChart = await page.$$eval('#claims-chart polyline', (l) => l.length);
    out.relayRows = await page.$$eval('#relay-rows tr', (rows) => rows.map((r) => r.textContent));
    await check('claims-after');
  } else {
    await page.goto(`${base}/admin`);
    await check('signin');
    // A recovery phrase and a private key are refused in the page: nothing reaches the API.
    const phrase = 'abandon ability able about above absent absorb abstract absurd abuse access accident';
    out.refused = [];
    for (const secret of [phrase, `0x${'4c'.repeat(32)}`]) {
      const r = await signIn(page, base, secret);
      out.refused.push(r.message);
      await page.fill('#key', '');
    }
    out.callsAfterSecrets = apiCalls.length;
    out.fieldAfterSecret = await page.$eval('#key', (k) => k.value);
    await check('signin-refused');
    // A well-formed key that is not accepted.
    const wrong = `${env('REVIEWER_KEY').slice(0, 20)}${'0'.repeat(32)}`;
    out.wrong = (await signIn(page, base, wrong)).message;
    await page.fill('#key', '');

    // The reviewer: campaigns, reviews by keyboard and clicks, exports.
    out.reviewer = await signIn(page, base, env('REVIEWER_KEY'));
    out.storage = await page.evaluate(() => ({
      session: Object.keys(sessionStorage), local: localStorage.length, cookie: document.cookie, url: location.href,
    }));
    out.campaigns = await page.$$eval('#campaign-rows tr td:first-child', (tds) => tds.map((t) => t.textContent));
    await check('campaigns');
    const bounty = env('ADMIN_BOUNTY');
    await openCampaign(page, base, bounty);
    out.reviewerJobsDisabled = await page.$eval('#start-build', (b) => b.disabled);
    out.rejectWithoutReason = await reject(page, base, bounty, env('ADMIN_REJECT'), '');
    out.rejectSecret = await reject(page, base, bounty, env('ADMIN_REJECT'), `0x${'4c'.repeat(32)}`);
    out.approved = await approve(page, base, bounty, env('ADMIN_APPROVE'));
    out.rejected = await reject(page, base, bounty, env('ADMIN_REJECT'), 'the link shows another project');
    out.reviewStates = await page.$$eval('#review-rows tr', (rows) => rows.map((r) => r.children[4].textContent));
    await check('reviews');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-points')]);
    out.download = { name: download.suggestedFilename(), body: readFileSync(await download.path(), 'utf8') };
    out.exportMessage = await page.$eval('#status', (s) => s.textContent);
    await page.click('#signout');
    out.afterSignOut = await page.evaluate(() => ({ session: sessionStorage.length, dash: document.getElementById('dash').hidden }));

    // The admin: build and publish with live progress, then the report's charts.
    out.admin = await signIn(page, base, env('ADMIN_KEY'));
    await openCampaign(page, base, bounty);
    await check('campaign-before-build');
    out.build = await runJob(page, 'build');
    out.publish = await runJob(page, 'publish');
    await page.waitForSelector('#histogram svg');
    out.report = {
      histogram: await page.$$eval('#histogram svg rect', (r) => r.length),
      lorenz: await page.$$eval('#lorenz svg polyline', (p) => p.length),
      fairness: await page.$eval('#fairness', (d) => d.textContent),
    };
    await check('report');
    out.claimed = await claimedCount(page, base, env('ADMIN_DROP'));
    out.claimsText = await page.$eval('#claims-figures', (d) => d.textContent);
    out.relayText = await page.$eval('#relay-msg', (d) => d.textContent);
    await check('claims-before');
  }
  // A 4xx the page expects (a wrong key, nothing built yet) is logged by the browser as a failed
  // resource; the page handles those. Anything else is a real error.
  out.errors = errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e));
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
