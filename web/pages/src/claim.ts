// The claim page's wallet part. The page already shows the claim (server-rendered); this adds:
// refusing a secret or a mistyped address before the look-up is sent, connecting a wallet, and
// claiming — directly (the page encodes the distributor's call; the wallet sends it) or gasless
// (the wallet signs the EIP-712 Claim; the server's relayer sends it) — with the progress.
import { refusal, secretKind } from './lib/guard';
import { parseAddress } from './lib/eip55';
import { formatUnits } from './lib/units';
import { detail, getJson, postJson, sleep } from './lib/http';
import { account, chainId, isRefusal, provider, receipt, walletError, type Provider } from './lib/wallet';
import { claimCalldata, revertData, revertReason } from './lib/distributor';

interface Claim { address: string; index: string; amount: string; proof: string[]; claimed: string | null; claimableNow: string | null }
interface Data {
  campaign: string; distributor: string | null; chainId: number | null; relay: boolean;
  decimals: number | null; symbol: string | null; start: number | null; deadline: number | null; claim: Claim | null;
}

const $ = (id: string) => document.getElementById(id) as HTMLElement | null;
let busy = false;
// Set when a secret was refused: the emptied field then keeps the warning in view.
let refused = false;

function say(text: string, tone: 'ok' | 'warn' | 'bad' | '' = '') {
  const s = $('status');
  if (!s) return;
  s.className = `msg ${tone}`.trim();
  s.textContent = text;
  s.hidden = !text;
}

function amount(d: Data, v: bigint): string {
  return d.decimals == null ? `${v} base units` : `${formatUnits(v, d.decimals)} ${d.symbol ?? ''}`.trim();
}

/** Why no claim can be made now, checked in the page before the wallet is asked anything. */
function blocked(d: Data): string | null {
  const now = Math.floor(Date.now() / 1000);
  if (d.start != null && now < d.start) return `Claims open on ${new Date(d.start * 1000).toUTCString()}: nothing was sent.`;
  if (d.deadline != null && now > d.deadline) return `The claim window closed on ${new Date(d.deadline * 1000).toUTCString()}: nothing was sent.`;
  const c = d.claim;
  if (c && c.claimableNow === '0' && c.claimed != null && c.claimed !== '0') {
    return 'Already claimed: everything vested so far is paid to this address. Nothing was sent.';
  }
  if (c && c.claimableNow === '0') return 'Nothing is claimable now (still locked by vesting). Nothing was sent.';
  return null;
}

/**
 * After a claim is on chain, waits (up to a minute) for the server to see it — it follows the
 * distributor's events every few seconds — and then shows the new figures, so the page never
 * keeps offering a claim that is paid. The status message stays as it is.
 */
async function follow(d: Data) {
  const c = d.claim;
  if (!c) return;
  const before = c.claimed;
  for (let i = 0; i < 30; i++) {
    await sleep(2000);
    const r = await getJson(`/v1/campaigns/${d.campaign}/claims/${c.address}`);
    if (r.status !== 200 || !r.body || r.body.claimed == null || r.body.claimed === before) continue;
    c.claimed = String(r.body.claimed);
    c.claimableNow = r.body.claimableNow == null ? null : String(r.body.claimableNow);
    const claimed = $('claimed');
    if (claimed) claimed.textContent = amount(d, BigInt(c.claimed));
    const claimable = $('claimable');
    if (claimable && c.claimableNow != null) claimable.textContent = amount(d, BigInt(c.claimableNow));
    return;
  }
}

/** The wallet, on the right account and chain, or a message and null. */
async function ready(d: Data): Promise<{ p: Provider; from: string } | null> {
  const p = provider();
  if (!p) { say('No wallet found in this browser. Install one, or use the claim kit (see below).', 'warn'); return null; }
  const from = await account(p);
  const want = d.claim!.address;
  if (from.toLowerCase() !== want.toLowerCase()) {
    say(`Your wallet's account is ${from}, but this claim is for ${want}. Switch accounts in the wallet, or look up ${from}. Nothing was sent.`, 'bad');
    return null;
  }
  const chain = await chainId(p);
  if (d.chainId != null && chain !== BigInt(d.chainId)) {
    say(`Your wallet is on chain ${chain}, but this campaign is on chain ${d.chainId}. Switch the wallet's network and try again. Nothing was sent.`, 'bad');
    return null;
  }
  return { p, from };
}

async function claimDirect(d: Data) {
  const c = d.claim!;
  const w = await ready(d);
  if (!w) return;
  const tx = { from: w.from, to: d.distributor, data: claimCalldata(BigInt(c.index), c.address, BigInt(c.amount), c.proof) };
  // Simulated first: a claim the contract would refuse is explained, not sent.
  try {
    await w.p.request({ method: 'eth_call', params: [tx, 'latest'] });
  } catch (e) {
    const why = revertReason(revertData(e));
    say(`The distributor would refuse this claim: ${why ?? walletError(e)}. Nothing was sent.`, 'bad');
    return;
  }
  say('Waiting for your wallet: confirm the transaction there.');
  const hash: string = await w.p.request({ method: 'eth_sendTransaction', params: [tx] });
  say(`Sent: transaction ${hash}. Waiting for it to be mined…`);
  const r = await receipt(w.p, hash);
  if (!r) { say(`Transaction ${hash} is not mined yet; check it in your wallet.`, 'warn'); return; }
  if (BigInt(r.status) === 1n) {
    say(`Confirmed: ${amount(d, BigInt(c.claimableNow ?? c.amount))} claimed in transaction ${hash}.`, 'ok');
    void follow(d);
    return;
  }
  let why = 'the contract refused it';
  try { await w.p.request({ method: 'eth_call', params: [tx, r.blockNumber] }); } catch (e) { why = revertReason(revertData(e)) ?? why; }
  say(`Reverted: transaction ${hash} failed: ${why}.`, 'bad');
}

async function claimGasless(d: Data) {
  const c = d.claim!;
  const w = await ready(d);
  if (!w) return;
  const info = await getJson(`/v1/campaigns/${d.campaign}/deployment?account=${c.address}`);
  if (info.status !== 200) { say(`Gasless claims are not available: ${detail(info)}`, 'bad'); return; }
  const dep = info.body;
  const deadline = Math.floor(Date.now() / 1000) + 3600;
  const typed = {
    types: {
      EIP712Domain: [{ name: 'name', type: 'string' }, { name: 'version', type: 'string' },
        { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' }],
      Claim: [{ name: 'index', type: 'uint256' }, { name: 'account', type: 'address' }, { name: 'amount', type: 'uint256' },
        { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' }],
    },
    primaryType: 'Claim',
    domain: dep.eip712Domain,
    message: { index: c.index, account: c.address, amount: c.amount, nonce: dep.nonce, deadline: String(deadline) },
  };
  say('Waiting for your wallet: sign the claim there (a signature, not a transaction: it costs you nothing).');
  const signature: string = await w.p.request({ method: 'eth_signTypedData_v4', params: [w.from, JSON.stringify(typed)] });
  say('Signed. Sending it to the relayer…');
  const sent = await postJson(`/v1/campaigns/${d.campaign}/relay`, {
    account: c.address, nonce: dep.nonce, deadline: String(deadline), signature, index: c.index, amount: c.amount,
  });
  if (sent.status !== 202 && sent.status !== 200) {
    const code = sent.body && sent.body.code;
    const lead = code === 'claim_rejected' ? 'The relayer refused the signed claim' : 'The claim was not queued';
    say(`${lead}: ${detail(sent)}. Nothing was sent on chain.`, 'bad');
    return;
  }
  const id = sent.body.id;
  for (let i = 0; i < 120; i++) {
    const st = await getJson(`/v1/campaigns/${d.campaign}/relay/${id}`);
    const s = st.body || {};
    if (s.state === 'submitted') {
      say(`Submitted by the relayer: transaction ${s.txHash}. ${amount(d, BigInt(s.amount))} goes to ${c.address}.`, 'ok');
      void follow(d);
      return;
    }
    if (s.state === 'failed') { say(`The relayer could not send the claim: ${s.error ?? 'unknown reason'}.`, 'bad'); return; }
    say(`Queued at the relayer (request ${id}, ${s.state ?? 'waiting'})…`);
    await sleep(1000);
  }
  say(`The relayer has not sent request ${id} yet; reload the page later to see the claim.`, 'warn');
}

/** Runs a claim with one message for every way it can stop. */
function guarded(run: () => Promise<void>) {
  return async () => {
    if (busy) return;
    busy = true;
    say('');
    try { await run(); } catch (e) {
      if (isRefusal(e)) say('You closed the wallet prompt: nothing was signed or sent.', 'warn');
      else say(`The wallet did not complete the claim: ${walletError(e)}`, 'bad');
    } finally { busy = false; }
  };
}

function refuse(input: HTMLInputElement, kind: Parameters<typeof refusal>[0]) {
  input.value = '';
  refused = true;
  say(refusal(kind), 'bad');
}

function onLookup(ev: Event) {
  const input = $('address') as HTMLInputElement;
  const text = input.value;
  const kind = secretKind(text);
  if (kind) { ev.preventDefault(); refuse(input, kind); return; }
  if (!text.trim()) {
    ev.preventDefault();
    if (!refused) say('Type your address (0x followed by 40 hex digits).', 'warn');
    return;
  }
  refused = false;
  try {
    input.value = parseAddress(text);
  } catch (e) {
    ev.preventDefault();
    say(`${(e as Error).message} Nothing was looked up.`, 'bad');
  }
}

function main() {
  const block = $('claim-data');
  if (!block) return;
  const d: Data = JSON.parse(block.textContent || '{}');
  const form = $('lookup') as HTMLFormElement | null;
  const input = $('address') as HTMLInputElement | null;
  form?.addEventListener('submit', onLookup);
  // A pasted secret is cleared as it arrives, before any button is pressed.
  input?.addEventListener('input', () => {
    const kind = secretKind(input.value);
    if (kind) refuse(input, kind);
    else if (input.value) refused = false;
  });
  const connect = $('connect') as HTMLButtonElement | null;
  if (connect && provider()) {
    connect.hidden = false;
    connect.addEventListener('click', guarded(async () => {
      const p = provider()!;
      const from = parseAddress(await account(p));
      if (!d.claim || d.claim.address.toLowerCase() !== from.toLowerCase()) {
        location.assign(`/claim/${d.campaign}?address=${from}`);
      } else {
        say(`Connected: ${from}.`, 'ok');
      }
    }));
  }
  const hint = $('js-hint');
  if (hint) hint.hidden = true;
  const wire = (id: string, run: (d: Data) => Promise<void>) => {
    const b = $(id) as HTMLButtonElement | null;
    if (!b) return;
    b.disabled = false;
    b.addEventListener('click', guarded(async () => {
      const why = blocked(d);
      if (why) { say(why, 'warn'); return; }
      await run(d);
    }));
  };
  if (d.claim && d.distributor) {
    wire('claim-direct', claimDirect);
    wire('claim-gasless', claimGasless);
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
