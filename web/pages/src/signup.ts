// The sign-up page's wallet part: Sign-In with Ethereum for one campaign, with an optional
// referral code, then the wallet's own referral code and link.
import { refusal, secretKind, type SecretKind } from './lib/guard';
import { postJson, detail } from './lib/http';
import { message, nonce, utf8Hex } from './lib/siwe';
import { account, chainId, isRefusal, provider, walletError } from './lib/wallet';
import { say } from './lib/status';
import { guardLookup } from './lib/lookup';

interface Data { campaign: string; chainId: number; closed: boolean }

async function signUp(d: Data, referral: string) {
  const p = provider();
  if (!p) { say('No wallet found in this browser: signing up needs one.', 'warn'); return; }
  const from = await account(p);
  const chain = await chainId(p);
  if (chain !== BigInt(d.chainId)) {
    say(`Your wallet is on chain ${chain}, but this campaign is on chain ${d.chainId}. Switch the wallet's network and try again. Nothing was sent.`, 'bad');
    return;
  }
  const n = await nonce();
  const text = message(n, from, d.chainId, `Sign up for the airdrop campaign ${d.campaign}.`, [`urn:airdrop:campaign:${d.campaign}`]);
  say('Waiting for your wallet: sign the message there (it costs nothing).');
  const signature: string = await p.request({ method: 'personal_sign', params: [utf8Hex(text), from] });
  const body: Record<string, string> = { message: text, signature };
  if (referral) body.referralCode = referral;
  const a = await postJson(`/v1/campaigns/${d.campaign}/signups`, body);
  if (a.status === 201) {
    const link = `${location.origin}/signup/${d.campaign}?ref=${a.body.referralCode}`;
    say(`Signed up. Your referral code is ${a.body.referralCode}; share ${link}`, 'ok');
    return;
  }
  const code = a.body && a.body.code;
  if (code === 'already_signed_up') say(`${from} is signed up already.`, 'warn');
  else if (code === 'signups_closed') say('Sign-ups for this campaign are closed.', 'warn');
  else say(`The sign-up was refused: ${detail(a)}`, 'bad');
}

function main() {
  guardLookup();
  const block = document.getElementById('signup-data');
  const form = document.getElementById('signup-form') as HTMLFormElement | null;
  if (!block || !form) return;
  const d: Data = JSON.parse(block.textContent || '{}');
  const ref = document.getElementById('referral') as HTMLInputElement;
  const button = document.getElementById('signup') as HTMLButtonElement;
  const hint = document.getElementById('js-hint');
  if (hint) hint.hidden = true;
  button.disabled = false;
  // Set when a secret was refused: the next press keeps the warning in view and sends nothing.
  let refused: SecretKind | null = null;
  ref.addEventListener('input', () => {
    const kind = secretKind(ref.value);
    if (kind) { ref.value = ''; refused = kind; say(refusal(kind), 'bad'); } else if (ref.value) refused = null;
  });
  let busy = false;
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (busy) return;
    const kind = secretKind(ref.value);
    const shown = kind ?? refused;
    if (shown) {
      refused = null;
      ref.value = '';
      say(`${refusal(shown)} The code field was emptied: press again to sign up without a code.`, 'bad');
      return;
    }
    if (d.closed) { say('Sign-ups for this campaign are closed: nothing was sent.', 'warn'); return; }
    busy = true;
    say('');
    try { await signUp(d, ref.value.trim()); } catch (e) {
      if (isRefusal(e)) say('You closed the wallet prompt: nothing was signed or sent.', 'warn');
      else say(`The sign-up did not complete: ${walletError(e)}`, 'bad');
    } finally { busy = false; }
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
