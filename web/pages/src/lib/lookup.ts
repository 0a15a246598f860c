// The "your address" form (#lookup with #address) of the signup and task pages: a secret is
// refused as it arrives and a malformed or mistyped address is caught, before the form is sent.
import { refusal, secretKind } from './guard';
import { parseAddress } from './eip55';
import { say } from './status';

export function guardLookup() {
  const form = document.getElementById('lookup') as HTMLFormElement | null;
  const input = document.getElementById('address') as HTMLInputElement | null;
  if (!form || !input) return;
  input.addEventListener('input', () => {
    const kind = secretKind(input.value);
    if (kind) { input.value = ''; say(refusal(kind), 'bad'); }
  });
  form.addEventListener('submit', (ev) => {
    const kind = secretKind(input.value);
    if (kind) { ev.preventDefault(); input.value = ''; say(refusal(kind), 'bad'); return; }
    if (!input.value.trim()) return;
    try { input.value = parseAddress(input.value); } catch (e) {
      ev.preventDefault();
      say(`${(e as Error).message} Nothing was looked up.`, 'bad');
    }
  });
}
