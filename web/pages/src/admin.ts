// The creator dashboard (/admin). The page arrives without data; this script signs in with an
// API key kept in this tab's sessionStorage only (never a cookie, localStorage or a URL), then
// reads everything from the API with `Authorization: Bearer`.
import { api, ApiError, download, followJob, forgetKey, storedKey, storeKey } from './admin/api';
import { claimsChart, showSvg, type ClaimPoint } from './admin/charts';
import { $, el, figures, row, say } from './admin/dom';
import { tokens } from './admin/format';
import { keyProblem, secretKind } from './admin/secret';
import { showSybil } from './admin/sybil';

interface KeyInfo { id: string; scopes: string[] }
interface Campaign {
  id: string; name: string | null; chainId: number | null; claims: number | null;
  merkleRoot: string | null; total: string | null;
  manifest: { token?: { symbol: string; decimals: number } } | null;
}
interface Submission { id: number; task: string; address: string; evidence: string; status: string; reason: string | null }
interface Relay { id: number; account: string; amount: string; state: string; txHash: string | null; error: string | null }

let me: KeyInfo | null = null;
let current: Campaign | null = null;
let unit = { symbol: '', decimals: 0 };

/** A point's time (UTC, to the minute) when the node gave it, else its block. */
const when = (p: ClaimPoint) => (p.timestamp == null
  ? `block ${p.block}`
  : `${new Date(p.timestamp * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC (block ${p.block})`);

const amount = (base: string | null | undefined) => tokens(base, unit.decimals, unit.symbol);

/** An API failure, said plainly; a key no longer accepted signs out. */
function failed(what: string, e: unknown): void {
  if (e instanceof ApiError && e.status === 401) {
    signOut(`Your key is no longer accepted (${e.detail}). Sign in again.`);
    return;
  }
  const detail = e instanceof ApiError ? e.detail : 'the server could not be reached';
  say(`${what}: ${detail}`, 'bad');
}

async function signIn(ev: Event): Promise<void> {
  ev.preventDefault();
  const field = $('key') as HTMLInputElement;
  const msg = $('signin-msg');
  const value = field.value.trim();
  msg.hidden = true;
  const problem = keyProblem(value);
  if (problem) {
    field.value = '';
    msg.textContent = problem;
    msg.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
    return;
  }
  storeKey(value);
  try {
    const info = await api<KeyInfo>('/v1/auth/key');
    field.value = '';
    field.removeAttribute('aria-invalid');
    msg.hidden = true;
    await enter(info);
  } catch (e) {
    forgetKey();
    msg.textContent = e instanceof ApiError && e.status === 401
      ? `This key was not accepted: ${e.detail}.`
      : `Could not sign in: ${e instanceof ApiError ? e.detail : 'the server could not be reached'}.`;
    msg.hidden = false;
    field.setAttribute('aria-invalid', 'true');
    field.focus();
  }
}

function signOut(message = 'Signed out: the key is forgotten by this tab.'): void {
  forgetKey();
  me = null;
  current = null;
  $('dash').hidden = true;
  $('campaign').hidden = true;
  $('signin').hidden = false;
  say(message, 'ok');
  ($('key') as HTMLInputElement).focus();
}

async function enter(info: KeyInfo): Promise<void> {
  me = info;
  $('who').textContent = info.id;
  $('scopes').textContent = info.scopes.join(', ');
  $('signin').hidden = true;
  $('dash').hidden = false;
  say(`Signed in with key ${info.id} (${info.scopes.join(', ')}).`, 'ok');
  await loadCampaigns();
}

async function loadCampaigns(): Promise<void> {
  try {
    const list = await api<Campaign[]>('/v1/campaigns');
    const body = $('campaign-rows');
    body.replaceChildren();
    for (const c of list) {
      const open = el('button', 'Open', { type: 'button', class: 'secondary', 'aria-label': `Open campaign ${c.id}` });
      open.addEventListener('click', () => void openCampaign(c));
      body.append(row([c.id, c.name ?? '—', c.chainId == null ? '—' : String(c.chainId),
        c.claims == null ? '—' : String(c.claims), c.merkleRoot ? 'published' : 'not published', open], [3]));
    }
    if (list.length === 0) body.append(row(['No campaign yet: create one with POST /v1/campaigns.']));
  } catch (e) {
    failed('Could not list the campaigns', e);
  }
}

async function openCampaign(c: Campaign): Promise<void> {
  current = c;
  delete $('campaign').dataset.loaded;
  unit = c.manifest?.token ? { symbol: c.manifest.token.symbol, decimals: c.manifest.token.decimals } : { symbol: '', decimals: 0 };
  $('campaign').hidden = false;
  const title = $('campaign-title');
  title.textContent = `Campaign ${c.id}${c.name ? ` — ${c.name}` : ''}`;
  title.focus();
  const admin = me?.scopes.includes('admin') ?? false;
  ($('start-build') as HTMLButtonElement).disabled = !admin;
  ($('start-publish') as HTMLButtonElement).disabled = !admin;
  $('jobs-help').textContent = admin
    ? 'A build runs the campaign spec on its uploaded files; publishing serves the last build\'s claims.'
    : 'Starting jobs needs a key with the admin scope; this key can follow them only.';
  await Promise.all([loadStats(c), loadReport(c), loadClaims(c), loadRelay(c), loadReviews(c)]);
  // Tells a watcher (a test, an assistive tool) that every section shows this campaign now.
  if (current === c) $('campaign').dataset.loaded = c.id;
}

async function loadStats(c: Campaign): Promise<void> {
  const stats = $('stats');
  try {
    const s = await api<any>(`/v1/campaigns/${encodeURIComponent(c.id)}/stats`);
    figures(stats, [['Sign-ups', String(s.signups)], ['Tasks', String(s.tasks)],
      ['Pending reviews', String(s.submissionsPending)], ['Approved', String(s.submissionsApproved)],
      ['Rejected', String(s.submissionsRejected)], ['Claims', s.claims == null ? '—' : String(s.claims)]]);
  } catch (e) {
    figures(stats, [['Claims', c.claims == null ? '—' : String(c.claims)]]);
    if (!(e instanceof ApiError && e.status === 404)) failed('Could not read the statistics', e);
  }
}

async function loadReport(c: Campaign): Promise<void> {
  const msg = $('report-msg');
  $('histogram').replaceChildren();
  $('lorenz').replaceChildren();
  $('fairness').replaceChildren();
  const charts = document.querySelector<HTMLElement>('#report .charts');
  if (charts) charts.hidden = true;
  showSybil(null, amount);
  try {
    const r = await api<any>(`/v1/campaigns/${encodeURIComponent(c.id)}/report`);
    const rep = r.report;
    if (!c.manifest?.token) unit = { symbol: rep.token.symbol, decimals: rep.token.decimals };
    const f = rep.distribution.fairness;
    msg.textContent = `From build ${r.job}: ${rep.recipients} recipients, ${amount(rep.total)}.`;
    figures($('fairness'), [['Gini coefficient (0 = equal)', Number(f.gini).toFixed(3)],
      ['Nakamoto coefficient', String(f.nakamoto)], ['Median', amount(f.median)],
      ['Smallest', amount(f.min)], ['Largest', amount(f.max)]]);
    if (charts) charts.hidden = false;
    showSvg($('histogram'), r.histogramSvg);
    showSvg($('lorenz'), r.lorenzSvg);
    showSybil(rep.sybil, amount);
  } catch (e) {
    if (e instanceof ApiError && e.status === 409) msg.textContent = e.detail;
    else if (e instanceof ApiError && e.status === 404) msg.textContent = 'No build report here: this campaign is served from a bundle folder, whose report.html has the same figures.';
    else failed('Could not read the build report', e);
  }
}

async function loadClaims(c: Campaign): Promise<void> {
  const msg = $('claims-msg');
  const list = $('claims-figures');
  list.replaceChildren();
  $('claims-chart').replaceChildren();
  try {
    const s = await api<any>(`/v1/campaigns/${encodeURIComponent(c.id)}/claims-summary`);
    list.dataset.claimedCount = s.claimedCount == null ? '' : String(s.claimedCount);
    const last = (s.series as ClaimPoint[]).at(-1);
    figures(list, [['Claims', String(s.claims)], ['Claimed', s.claimedCount == null ? '—' : `${s.claimedCount} of ${s.claims}`],
      ['Paid', amount(s.claimedAmount)], ['Unclaimed', amount(s.unclaimedAmount)], ['Total', amount(s.total)],
      ['Last claim', last ? when(last) : '—']]);
    msg.textContent = s.note ?? (s.distributor ? `Distributor ${s.distributor}, read up to block ${s.headBlock}.` : '');
    const series = s.series as ClaimPoint[];
    if (s.claimedCount == null) return;
    claimsChart($('claims-chart'), series, BigInt(s.total), s.headBlock,
      `Amount claimed over time: ${amount(s.claimedAmount)} of ${amount(s.total)} in ${series.length} blocks with claims`);
  } catch (e) {
    list.dataset.claimedCount = '';
    if (e instanceof ApiError && e.status === 404) msg.textContent = 'Not published yet: claims show once a publish job has run.';
    else failed('Could not read the claims', e);
  }
}

async function loadRelay(c: Campaign): Promise<void> {
  const body = $('relay-rows');
  body.replaceChildren();
  try {
    const list = await api<Relay[]>(`/v1/campaigns/${encodeURIComponent(c.id)}/relay`);
    for (const r of list) {
      body.append(row([String(r.id), el('code', r.account), amount(r.amount), r.state, r.txHash ?? r.error ?? '—'], [2]));
    }
    $('relay-msg').textContent = list.length === 0 ? 'No gasless claim requested yet.' : `${list.length} requests, newest first.`;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) $('relay-msg').textContent = 'No relay queue: the campaign is not known to the store.';
    else failed('Could not read the relay queue', e);
  }
}

function reviewCell(c: Campaign, s: Submission): HTMLElement {
  const cell = el('div', '', { class: 'review' });
  if (s.status !== 'pending') {
    cell.textContent = s.reason ? `${s.status}: ${s.reason}` : s.status;
    return cell;
  }
  const approve = el('button', 'Approve', { type: 'button', 'aria-label': `Approve submission ${s.id}`, 'data-approve': String(s.id) });
  approve.addEventListener('click', () => void review(c, s.id, 'approve', null));
  const id = `reason-${s.id}`;
  const label = el('label', `Reason to reject submission ${s.id}`, { for: id, class: 'sr' });
  const reason = el('input', '', { id, type: 'text', autocomplete: 'off', placeholder: 'Reason (required to reject)' }) as HTMLInputElement;
  const reject = el('button', 'Reject', { type: 'button', class: 'secondary', 'aria-label': `Reject submission ${s.id}`, 'data-reject': String(s.id) });
  reject.addEventListener('click', () => void review(c, s.id, 'reject', reason));
  cell.append(approve, label, reason, reject);
  return cell;
}

async function review(c: Campaign, id: number, decision: 'approve' | 'reject', field: HTMLInputElement | null): Promise<void> {
  const reason = field?.value.trim() ?? '';
  if (decision === 'reject' && reason === '') {
    say(`Submission ${id}: a rejection needs a reason (the submitter sees it).`, 'bad');
    field?.focus();
    return;
  }
  const kind = secretKind(reason);
  if (kind && field) {
    field.value = '';
    say(`Submission ${id}: the reason looks like ${kind}; it was not sent. Never paste a wallet's secret here.`, 'bad');
    field.focus();
    return;
  }
  try {
    await api(`/v1/campaigns/${encodeURIComponent(c.id)}/submissions/${id}/review`, {
      method: 'POST', body: decision === 'approve' ? { decision } : { decision, reason },
    });
    say(`Submission ${id} ${decision === 'approve' ? 'approved' : 'rejected'}.`, 'ok');
    await Promise.all([loadReviews(c), loadStats(c)]);
  } catch (e) {
    failed(`Could not review submission ${id}`, e);
  }
}

async function loadReviews(c: Campaign): Promise<void> {
  const body = $('review-rows');
  body.replaceChildren();
  try {
    const list = await api<Submission[]>(`/v1/campaigns/${encodeURIComponent(c.id)}/submissions`);
    for (const s of list) {
      body.append(row([String(s.id), s.task, el('code', s.address), s.evidence, s.status, reviewCell(c, s)]));
    }
    const pending = list.filter((s) => s.status === 'pending').length;
    $('reviews-msg').textContent = list.length === 0 ? 'No submission yet.' : `${pending} of ${list.length} waiting for review.`;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) $('reviews-msg').textContent = 'No bounty tasks: the campaign is served from files only.';
    else failed('Could not read the submissions', e);
  }
}

async function startJob(kind: 'build' | 'publish'): Promise<void> {
  const c = current;
  if (!c) return;
  const bar = $('job-progress') as HTMLProgressElement;
  const msg = $('job-msg');
  const buttons = [$('start-build'), $('start-publish')] as HTMLButtonElement[];
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const job = await api<any>(`/v1/campaigns/${encodeURIComponent(c.id)}/jobs`, { method: 'POST', body: { kind } });
    msg.textContent = `${kind} job ${job.id} queued.`;
    let last: any = job;
    await followJob(job.id, (_name, j) => {
      last = j;
      bar.max = Math.max(Number(j.total), 1);
      bar.value = Math.min(Number(j.done), bar.max);
      msg.textContent = `${kind} job ${j.id}: ${j.state}, ${j.message} (${j.done}/${j.total})`;
    });
    msg.dataset.state = last.state;
    say(last.state === 'done' ? `The ${kind} job is done: ${last.message}` : `The ${kind} job failed: ${last.message}`,
      last.state === 'done' ? 'ok' : 'bad');
    await loadCampaigns();
    const fresh = (await api<Campaign[]>('/v1/campaigns')).find((x) => x.id === c.id) ?? c;
    await openCampaign(fresh);
  } catch (e) {
    failed(`Could not run the ${kind} job`, e);
  } finally {
    const admin = me?.scopes.includes('admin') ?? false;
    buttons.forEach((b) => { b.disabled = !admin; });
  }
}

async function exportCsv(kind: 'signups' | 'points'): Promise<void> {
  const c = current;
  if (!c) return;
  const name = `${c.id}-${kind}.csv`;
  try {
    const size = await download(`/v1/campaigns/${encodeURIComponent(c.id)}/exports/${kind}.csv`, name);
    say(`Downloaded ${name} (${size} bytes).`, 'ok');
  } catch (e) {
    failed(`Could not download ${name}`, e);
  }
}

function start(): void {
  $('signin-form').addEventListener('submit', (e) => void signIn(e));
  $('signout').addEventListener('click', () => signOut());
  $('start-build').addEventListener('click', () => void startJob('build'));
  $('start-publish').addEventListener('click', () => void startJob('publish'));
  $('export-signups').addEventListener('click', () => void exportCsv('signups'));
  $('export-points').addEventListener('click', () => void exportCsv('points'));
  if (storedKey()) {
    api<KeyInfo>('/v1/auth/key').then(enter, () => signOut('Your saved key is no longer accepted. Sign in again.'));
  }
}

start();
