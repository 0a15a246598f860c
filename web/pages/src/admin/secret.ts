// What the key field and the review reason refuse before anything is sent: text shaped like a
// private key, a recovery phrase or a keystore (the shared page guard, ../lib/guard.ts, whose
// rules follow the server's). Never echoed.
import { secretKind as guard } from '../lib/guard';

const KEY_SHAPE = /^ak_[0-9a-f]{16}_[0-9a-f]{32}$/;

/** A secret in free text (a review's reason), or null. */
export function secretKind(text: string): string | null {
  return guard(text, true);
}

/** Why `text` cannot be an API key (null when it is shaped like one). Nothing but a key is ever sent. */
export function keyProblem(text: string): string | null {
  if (KEY_SHAPE.test(text)) return null;
  // Not free text: a key field holds one token, so any run of phrase-like words is refused.
  const kind = guard(text);
  if (kind) {
    return `That looks like ${kind}, not an API key. It was not sent anywhere. Never paste a wallet's secret into a website; this dashboard needs an API key (ak_…).`;
  }
  if (text === '') return 'Paste your API key (ak_…) first.';
  return 'That is not an API key: keys look like ak_ followed by 16 hex digits, an underscore and 32 hex digits (airdrop keys create prints one). Nothing was sent.';
}
