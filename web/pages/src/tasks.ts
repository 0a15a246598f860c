// The task board's wallet part: submit evidence for a task, signed as the API requires (the
// message lists the campaign, the task and the evidence's sha256, so the signature covers
// exactly this evidence for this task), then show the wallet's submissions.
import { sha256 } from '@noble/hashes/sha2.js';
import { refusal, secretKind } from './lib/guard';
import { hex } from './lib/hex';
import { postJson, detail } from './lib/http';
import { message, nonce, utf8Hex } from './lib/siwe';
import { account, chainId, isRefusal, provider, walletError } from './lib/wallet';
import { say } from './lib/status';
import { guardLookup } from './lib/lookup';

interface Data { campaign: string; chainId: number }

async function submit(d: Data, task: string, evidence: string) {
  const p = provider();
  if (!p) { say('No wallet found in this browser: submitting needs one.', 'warn'); return; }
  const from = await account(p);
  const chain = await chainId(p);
  if (chain !== BigInt(d.chainId)) {
    say(`Your wallet is on chain ${chain}, but this campaign is on chain ${d.chainId}. Switch the wallet's network and try again. Nothing was sent.`, 'bad');
    return;
  }
  const digest = hex(sha256(new TextEncoder().encode(evidence)));
  const n = await nonce();
  const text = message(n, from, d.chainId, `Submit evidence for task ${task} of the airdrop campaign ${d.campaign}.`, [
    `urn:airdrop:campaign:${d.campaign}`, `urn:airdrop:task:${d.campaign}:${task}`, `urn:airdrop:evidence:sha256:${digest}`]);
  say('Waiting for your wallet: sign the message there (it costs nothing).');
  const signature: string = await p.request({ method: 'personal_sign', params: [utf8Hex(text), from] });
  const a = await postJson(`/v1/campaigns/${d.campaign}/tasks/${task}/submissions`, { evidence, message: text, signature });
  if (a.status === 201) {
    say('Submitted: it waits for a reviewer. Showing your submissions…', 'ok');
    location.assign(`/tasks/${d.campaign}?address=${from}`);
    return;
  }
  say(`The submission was refused: ${detail(a)}`, 'bad');
}

function main() {
  guardLookup();
  const block = document.getElementById('tasks-data');
  if (!block) return;
  const d: Data = JSON.parse(block.textContent || '{}');
  let busy = false;
  for (const form of Array.from(document.querySelectorAll<HTMLFormElement>('form.submit-task'))) {
    const task = form.dataset.task || '';
    const field = form.querySelector('textarea') as HTMLTextAreaElement;
    const button = form.querySelector('button') as HTMLButtonElement;
    button.disabled = false;
    // Set when a secret was refused: the emptied field then keeps the warning in view.
    let refused = false;
    field.addEventListener('input', () => {
      const kind = secretKind(field.value, true);
      if (kind) { field.value = ''; refused = true; say(refusal(kind), 'bad'); } else if (field.value) refused = false;
    });
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (busy) return;
      const kind = secretKind(field.value, true);
      if (kind) { field.value = ''; say(refusal(kind), 'bad'); return; }
      const evidence = field.value.trim();
      if (!evidence && refused) { field.focus(); return; }
      if (!evidence) { say('Write your evidence first (a link or a short note).', 'warn'); field.focus(); return; }
      busy = true;
      say('');
      try { await submit(d, task, evidence); } catch (e) {
        if (isRefusal(e)) say('You closed the wallet prompt: nothing was signed or sent.', 'warn');
        else say(`The submission did not complete: ${walletError(e)}`, 'bad');
      } finally { busy = false; }
    });
  }
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main);
else main();
