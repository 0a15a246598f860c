// The claim kit's page logic: find an address's claim in the kit's shard files, verify its
// proof to the root the page was built with, and encode the distributor's claim call. Bundled by
// scripts/build-kit-js into crates/engine/src/kit/kit.bundle.js, which the engine inlines into
// index.html: the page needs nothing but its own folder.
import { keccak_256 } from '@noble/hashes/sha3.js';

const enc = new TextEncoder();
const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const unhex = (h) => {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
};
const word = (n) => unhex(BigInt(n).toString(16).padStart(64, '0'));
const concat = (parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
};
const cmp = (a, b) => { for (let i = 0; i < 32; i++) if (a[i] !== b[i]) return a[i] - b[i]; return 0; };

// A secret typed where an address belongs is refused before anything is looked up or shown:
// no genuine airdrop ever needs a private key, a keystore or a recovery phrase.
export function secretKind(text) {
  const t = text.trim();
  if (/^(0x)?[0-9a-fA-F]{64}$/.test(t)) return 'a private key';
  if (/"(crypto|Crypto)"\s*:/.test(t) || /"ciphertext"\s*:/.test(t)) return 'a keystore file';
  const words = t.split(/\s+/).filter(Boolean);
  if (words.length >= 12 && words.length <= 24 && words.every((w) => /^[a-z]{3,8}$/i.test(w))) {
    return 'a recovery phrase';
  }
  return null;
}

function checksum(lower) {
  const h = hex(keccak_256(enc.encode(lower)));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(h[i], 16) >= 8 ? lower[i].toUpperCase() : lower[i];
  return out;
}

export function parseAddress(text) {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) {
    throw new Error(`"${t.slice(0, 50)}" is not an address: type 0x followed by 40 hex digits`);
  }
  const body = t.slice(2);
  const lower = body.toLowerCase();
  const mixed = body !== lower && body !== body.toUpperCase();
  if (mixed && checksum(lower) !== t) {
    throw new Error(`${t} has a wrong checksum (a typo?): check it letter by letter`);
  }
  return '0x' + lower;
}

export function leaf(index, account, amount) {
  return keccak_256(concat([word(index), unhex(account), word(amount)]));
}

export function verify(index, account, amount, proof, root) {
  let h = leaf(index, account, amount);
  for (const p of proof) {
    const s = unhex(p);
    h = keccak_256(cmp(h, s) <= 0 ? concat([h, s]) : concat([s, h]));
  }
  return '0x' + hex(h) === root.toLowerCase();
}

export function calldata(index, account, amount, proof) {
  const selector = keccak_256(enc.encode('claim(uint256,address,uint256,bytes32[])')).slice(0, 4);
  return '0x' + hex(concat([selector, word(index), word(account), word(amount), word(128),
    word(proof.length), ...proof.map(unhex)]));
}

export function formatUnits(v, decimals) {
  const base = 10n ** BigInt(decimals);
  const whole = v / base;
  const frac = (v % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

// Shards load as <script> files calling airdropKitShard: fetch() of file:// URLs is blocked,
// a script tag is not, and the same relative URL works on any static host or IPFS gateway.
const shards = {};
window.airdropKitShard = (prefix, doc) => { shards[prefix] = doc; };
function loadShard(prefix) {
  if (shards[prefix]) return Promise.resolve(shards[prefix]);
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = `shards/${prefix}.js`;
    s.onload = () => (shards[prefix] ? resolve(shards[prefix]) : reject(new Error(`shards/${prefix}.js did not define its shard`)));
    s.onerror = () => reject(new Error(`cannot load shards/${prefix}.js: keep the kit's folder whole (index.html beside shards/)`));
    document.head.appendChild(s);
  });
}

function hasShard(kit, prefix) {
  const p = parseInt(prefix, 16);
  const nibble = parseInt(kit.shardBits[Math.floor(p / 4)], 16);
  return ((nibble >> (3 - (p % 4))) & 1) === 1;
}

export async function findClaim(kit, text) {
  const secret = secretKind(text);
  if (secret) return { refused: secret };
  const account = parseAddress(text);
  const prefix = account.slice(2, 2 + kit.shardDigits);
  if (!hasShard(kit, prefix)) return { eligible: false, account };
  const shard = await loadShard(prefix);
  if (shard.merkleRoot.toLowerCase() !== kit.root.toLowerCase()) {
    throw new Error(`shards/${prefix}.js is for root ${shard.merkleRoot}, not this kit's ${kit.root}: the folder was mixed up`);
  }
  const key = Object.keys(shard.claims).find((k) => k.toLowerCase() === account);
  if (!key) return { eligible: false, account };
  const c = shard.claims[key];
  const amount = BigInt(c.amount);
  if (!verify(c.index, account, amount, c.proof, kit.root)) {
    throw new Error(`the proof of ${key} in shards/${prefix}.js does not lead to root ${kit.root}: the shard was altered, do not use it`);
  }
  return { eligible: true, account: key, index: c.index, amount, proof: c.proof,
    calldata: calldata(c.index, account, amount, c.proof) };
}

const $ = (id) => document.getElementById(id);
function show(id, text) { const e = $(id); e.textContent = text; e.hidden = !text; }

async function sendWithWallet(kit, data) {
  const eth = window.ethereum;
  const [from] = await eth.request({ method: 'eth_requestAccounts' });
  const chain = await eth.request({ method: 'eth_chainId' });
  if (BigInt(chain) !== BigInt(kit.chainId)) {
    await eth.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: '0x' + kit.chainId.toString(16) }] });
  }
  return eth.request({ method: 'eth_sendTransaction', params: [{ from, to: kit.distributor, data }] });
}

function refuse(kind) {
  $('address').value = '';
  $('result').hidden = true;
  show('error', '');
  show('refused', `That looks like ${kind}. Never type it into any page: no genuine airdrop needs it. Nothing was looked up. If you shared it anywhere, move your funds to a new wallet.`);
}

async function onFind(kit) {
  const input = $('address');
  if (!input.value.trim()) {
    // Right after a refusal the field is empty on purpose: keep the warning in view.
    if ($('refused').hidden) show('error', 'Type your address (0x followed by 40 hex digits).');
    return;
  }
  show('error', ''); show('refused', ''); $('result').hidden = true;
  try {
    const r = await findClaim(kit, input.value);
    if (r.refused) {
      refuse(r.refused);
      return;
    }
    if (!r.eligible) {
      show('error', `${r.account} has no claim in this airdrop (${kit.name}).`);
      return;
    }
    $('r-account').textContent = r.account;
    $('r-amount').textContent = `${formatUnits(r.amount, kit.decimals)} ${kit.symbol} (${r.amount} base units)`;
    $('r-index').textContent = String(r.index);
    $('calldata').value = r.calldata;
    $('send').hidden = !(window.ethereum && kit.distributor);
    $('send').onclick = () => sendWithWallet(kit, r.calldata)
      .then((tx) => show('sent', `Sent: transaction ${tx}`))
      .catch((e) => show('error', `The wallet did not send the claim: ${e.message || e}`));
    $('result').hidden = false;
  } catch (e) {
    show('error', e.message);
  }
}

function main() {
  const kit = JSON.parse($('kit-data').textContent);
  $('copy').onclick = () => navigator.clipboard && navigator.clipboard.writeText($('calldata').value);
  $('form').onsubmit = (ev) => { ev.preventDefault(); onFind(kit); };
  // A pasted secret is cleared as it arrives, before any button is pressed.
  $('address').addEventListener('input', (ev) => {
    const kind = secretKind(ev.target.value);
    if (kind) refuse(kind);
  });
}

if (typeof document !== 'undefined' && document.getElementById('kit-data')) main();
