// The "Sybil clusters" view: the `sybil` part of the last build's report.json, for review.
// Built with textContent only: addresses, reasons and evidence come from files a campaign
// uploaded, so none of it is ever parsed as HTML.
import { $, el, figures, row } from './dom';

export interface SybilEvidence {
  kind: string; from: string; to: string; asset: string; amount: string;
  block: number; timestamp: number; tx: string; selector?: string | null;
}
export interface SybilMember { address: string; signals: string[]; would_have_received: string; excluded: boolean }
export interface SybilCluster {
  id: number; size: number; signals: string[]; kept?: string | null; would_have_received: string;
  members: SybilMember[]; evidence_total: number; evidence: SybilEvidence[];
}
export interface SybilReport {
  policy: string; detectors: string[]; min_cluster_size: number; min_signals: number;
  nodes: number; edges: number; hubs: number; excluded: number; withheld: string;
  cleared: { address: string; reason: string; cluster?: number | null }[];
  clusters: SybilCluster[];
}

/** Unix seconds as UTC to the second. */
const utc = (t: number) => `${new Date(t * 1000).toISOString().slice(0, 19).replace('T', ' ')} UTC`;

/** A table in its own scrollable, keyboard-reachable box, named by its caption. */
function boxed(id: string, caption: string, heads: [string, boolean][], rows: HTMLTableRowElement[]): HTMLElement {
  const wrap = el('div', '', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-labelledby': id });
  const table = el('table');
  const head = el('tr');
  for (const [h, num] of heads) head.append(el('th', h, num ? { scope: 'col', class: 'num' } : { scope: 'col' }));
  const thead = el('thead');
  thead.append(head);
  const tbody = el('tbody');
  tbody.append(...rows);
  table.append(el('caption', caption, { id }), thead, tbody);
  wrap.append(table);
  return wrap;
}

function cluster(c: SybilCluster, policy: string, amount: (base: string) => string): HTMLElement {
  const box = el('details', '', { class: 'cluster', 'data-cluster': String(c.id) });
  const excluded = c.members.filter((m) => m.excluded).length;
  box.append(el('summary', `Cluster ${c.id}: ${c.size} addresses, ${c.members.length} listed (${excluded} excluded); `
    + `signals: ${c.signals.join(', ')}; would have received ${amount(c.would_have_received)}`));
  const facts = el('dl', '', { class: 'figures' });
  const pairs: [string, string][] = [['Addresses in the cluster', String(c.size)], ['Listed by a source', String(c.members.length)],
    ['Signals', c.signals.join(', ')], ['Would have received', amount(c.would_have_received)]];
  if (policy === 'collapse') pairs.push(['Kept (collapse)', c.kept ?? '—']);
  figures(facts, pairs);
  box.append(facts);
  const members = c.members.map((m) => row([el('code', m.address), m.signals.join(', '), amount(m.would_have_received),
    m.excluded ? 'excluded' : 'kept'], [2]));
  box.append(boxed(`sybil-members-${c.id}`, `Members of cluster ${c.id}`,
    [['Address', false], ['Signals', false], ['Would have received', true], ['Outcome', false]], members));
  const evidence = c.evidence.map((e) => row([e.selector ? `${e.kind} (call ${e.selector})` : e.kind,
    el('code', `${e.from} → ${e.to}`), e.amount, e.asset, String(e.block), utc(e.timestamp), el('code', e.tx)], [2, 4]));
  box.append(boxed(`sybil-evidence-${c.id}`, `Evidence for cluster ${c.id}`,
    [['Kind', false], ['From → to', false], ['Amount (base units)', true], ['Asset', false], ['Block', true],
      ['Time', false], ['Transaction', false]], evidence));
  const more = c.evidence_total - c.evidence.length;
  if (more > 0) {
    box.append(el('p', `${more} more evidence edges are not shown here: airdrop sybil --campaign SPEC --out DIR writes all of them to evidence.jsonl.`,
      { class: 'hint', 'data-more': String(more) }));
  }
  return box;
}

/** Shows `s` (or hides the view when the build ran without `[sybil]`). */
export function showSybil(s: SybilReport | null | undefined, amount: (base: string) => string): void {
  const section = $('sybil');
  const list = $('sybil-clusters');
  list.replaceChildren();
  $('sybil-cleared-rows').replaceChildren();
  if (!s) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  $('sybil-msg').textContent = `Policy ${s.policy}: ${s.policy === 'collapse'
    ? 'each cluster is paid once, to its lowest listed address'
    : 'every listed member of a cluster gets nothing'}. Detectors ${s.detectors.join(', ')}; `
    + `clusters of at least ${s.min_cluster_size} addresses, ${s.min_signals} signal(s) needed; `
    + `graph of ${s.nodes} addresses, ${s.edges} edges, ${s.hubs} hubs removed.`;
  figures($('sybil-figures'), [['Clusters', String(s.clusters.length)], ['Addresses excluded', String(s.excluded)],
    ['Tokens withheld', amount(s.withheld)], ['Cleared on appeal', String(s.cleared.length)]]);
  $('sybil-cleared-box').hidden = s.cleared.length === 0;
  $('sybil-cleared-rows').append(...s.cleared.map((c) => row([el('code', c.address), c.reason,
    c.cluster == null ? '—' : String(c.cluster)])));
  if (s.clusters.length === 0) list.append(el('p', 'No cluster holds an address a source lists.', { class: 'hint' }));
  list.append(...s.clusters.map((c) => cluster(c, s.policy, amount)));
}
