// Steps on the creator dashboard (/admin) that scenario scripts share, the lead's end-to-end
// story included. Each drives the page as a user does (keyboard and clicks) and waits for the
// page's own result, not for a fixed time.

/** Opens /admin (when not open) and signs in with `key` by keyboard; resolves once the campaigns show. */
export async function signIn(page, base, key) {
  if (!page.url().startsWith(`${base}/admin`)) await page.goto(`${base}/admin`);
  await page.waitForSelector('#signin-form');
  await page.$eval('#signin-msg', (m) => { m.hidden = true; });
  await page.focus('#key');
  await page.keyboard.type(key);
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => !document.getElementById('dash').hidden
    || !document.getElementById('signin-msg').hidden);
  const refused = await page.$eval('#signin-msg', (m) => (m.hidden ? null : m.textContent));
  if (refused) return { ok: false, message: refused };
  await page.waitForSelector('#campaign-rows tr');
  return { ok: true };
}

/** Opens a campaign's view and waits until every section has loaded it. */
export async function openCampaign(page, base, campaign) {
  if (!page.url().startsWith(`${base}/admin`)) throw new Error('sign in first');
  await page.click(`button[aria-label="Open campaign ${campaign}"]`);
  await page.waitForSelector(`#campaign[data-loaded="${campaign}"]`, { state: 'attached' });
}

async function clearStatus(page) {
  await page.$eval('#status', (s) => { s.textContent = ''; });
}

/** Approves pending submission `submissionId` of `campaign`; resolves with the page's message. */
export async function approve(page, base, campaign, submissionId) {
  await openCampaign(page, base, campaign);
  await clearStatus(page);
  // By keyboard: focus the button and press Enter, as a keyboard-only reviewer does.
  await page.focus(`button[data-approve="${submissionId}"]`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.getElementById('status').textContent.includes(`Submission ${id}`), submissionId);
  return page.$eval('#status', (s) => s.textContent);
}

/** Rejects pending submission `submissionId` with `reason` (typed); resolves with the page's message. */
export async function reject(page, base, campaign, submissionId, reason) {
  await openCampaign(page, base, campaign);
  await clearStatus(page);
  // By keyboard: type the reason, Tab to Reject (the next control), press Enter.
  await page.focus(`#reason-${submissionId}`);
  if (reason) await page.keyboard.type(reason);
  await page.keyboard.press('Tab');
  const focused = await page.evaluate(() => document.activeElement?.dataset?.reject ?? null);
  if (focused !== String(submissionId)) throw new Error(`Tab from the reason went to ${focused}, not Reject`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((id) => document.getElementById('status').textContent.includes(`Submission ${id}`), submissionId);
  return page.$eval('#status', (s) => s.textContent);
}

/** How many claims of `campaign` the dashboard shows as claimed on chain (null when unknown). */
export async function claimedCount(page, base, campaign) {
  await openCampaign(page, base, campaign);
  const v = await page.$eval('#claims-figures', (d) => d.dataset.claimedCount);
  return v === '' ? null : Number(v);
}

/** Starts a `build` or `publish` job of the open campaign and waits for it to end; its state and the progress seen. */
export async function runJob(page, kind) {
  const seen = [];
  await page.exposeFunction(`__progress_${kind}`, (t) => seen.push(t)).catch(() => {});
  await page.$eval('#job-msg', (m) => { delete m.dataset.state; });
  await page.evaluate((k) => {
    const msg = document.getElementById('job-msg');
    new MutationObserver(() => window[`__progress_${k}`](msg.textContent)).observe(msg, { childList: true, characterData: true, subtree: true });
  }, kind);
  await page.click(kind === 'build' ? '#start-build' : '#start-publish');
  await page.waitForFunction(() => document.getElementById('job-msg').dataset.state, null, { timeout: 120_000 });
  const state = await page.$eval('#job-msg', (m) => m.dataset.state);
  const progress = await page.$eval('#job-progress', (p) => ({ value: p.value, max: p.max }));
  return { state, seen, progress };
}
