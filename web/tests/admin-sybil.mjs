// The dashboard's "Sybil clusters" view in a real browser against a real `airdrop serve` (run by
// crates/cli/tests/it/pages_admin_sybil.rs, which compares what this prints with the API's report).
//
// Usage: node web/tests/admin-sybil.mjs exclude|collapse   (env ADMIN_BASE, ADMIN_KEY, ADMIN_CAMPAIGN)
// `exclude` also checks that the view stays hidden before any build.
import { axe, launch, openPage, screenshots } from './harness.mjs';
import { openCampaign, runJob, signIn } from './admin-steps.mjs';

const env = (k) => {
  const v = process.env[k];
  if (!v) throw new Error(`set ${k}`);
  return v;
};
const base = env('ADMIN_BASE');
const campaign = env('ADMIN_CAMPAIGN');
const mode = process.argv[2] ?? 'exclude';
const out = { mode, axe: {}, overflow: {}, errors: [] };
const browser = await launch();
try {
  const { page, errors } = await openPage(browser.context);
  const check = async (name) => {
    out.axe[name] = await axe(page);
    out.overflow[name] = (await screenshots(page, `admin-sybil-${mode}-${name}`)).overflow;
  };
  const texts = (sel) => page.$$eval(sel, (nodes) => nodes.map((n) => n.textContent));

  out.signIn = await signIn(page, base, env('ADMIN_KEY'));
  await openCampaign(page, base, campaign);
  out.hiddenBefore = await page.$eval('#sybil', (s) => s.hidden);
  out.build = await runJob(page, 'build');
  await page.waitForSelector('#sybil:not([hidden]) details.cluster');
  out.message = await page.$eval('#sybil-msg', (p) => p.textContent);
  out.figures = await page.$eval('#sybil-figures', (d) => d.textContent);
  out.clearedShown = !(await page.$eval('#sybil-cleared-box', (b) => b.hidden));
  out.cleared = await texts('#sybil-cleared-rows tr');
  // Text from uploaded files is shown as text: no element is made from it.
  out.clearedElements = await page.$$eval('#sybil-cleared-rows td b', (b) => b.length);
  out.clusters = await page.$$eval('details.cluster', (ds) => ds.map((d) => ({
    id: Number(d.dataset.cluster), open: d.open, summary: d.querySelector('summary').textContent,
  })));
  out.appeal = await page.$eval('#sybil ol.steps', (o) => o.textContent);
  await check('closed');

  // Opened by keyboard: focus the first cluster's summary and press Enter.
  const first = out.clusters[0].id;
  await page.focus(`details.cluster[data-cluster="${first}"] summary`);
  await page.keyboard.press('Enter');
  const box = `details.cluster[data-cluster="${first}"]`;
  out.opened = await page.$eval(box, (d) => d.open);
  out.facts = await page.$eval(`${box} dl`, (d) => d.textContent);
  out.members = await texts(`${box} table:has(#sybil-members-${first}) tbody tr`);
  out.evidence = await page.$$eval(`${box} table:has(#sybil-evidence-${first}) tbody tr`,
    (rows) => rows.map((r) => [...r.children].map((c) => c.textContent)));
  out.more = await page.$eval(box, (d) => d.querySelector('[data-more]')?.dataset.more ?? null);
  await check('open');
  out.errors = errors.filter((e) => !/^Failed to load resource: the server responded with a status of 4\d\d/.test(e));
} finally {
  await browser.close();
}
process.stdout.write(`${JSON.stringify(out)}\n`);
