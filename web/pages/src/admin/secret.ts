// What the key field and the review reason refuse before anything is sent: text shaped like a
// private key, a recovery phrase or a keystore. Never echoed.
// TODO(lead): switch to the shared guard in ../lib/guard.ts once it is merged (the rules of
// airdrop_merkle::guard, BIP-39 word list included); the server refuses the same texts too
// (400 secret_refused), so a phrase in a reason is refused there until then.

const KEY_SHAPE = /^ak_[0-9a-f]{16}_[0-9a-f]{32}$/;

/**
 * A 64-hex-digit word that is not data by where it stands, as the server's guard decides: a
 * `0x` hash inside a URL (`https://…/tx/0x…`), a digest in a URN or after `sha256:` pass.
 */
function hexKey(text: string): boolean {
  for (const token of text.split(/[\s"'(\[<]+/)) {
    for (const m of token.matchAll(/[0-9A-Za-z]+/g)) {
      const word = m[0];
      const prefixed = /^0x/i.test(word);
      const digits = prefixed ? word.slice(2) : word;
      if (digits.length !== 64 || !/^[0-9a-fA-F]+$/.test(digits)) continue;
      const before = token.slice(0, m.index).toLowerCase();
      const data = (prefixed && before.includes('://')) || before.startsWith('urn:') || before.endsWith('sha256:');
      if (!data) return true;
    }
  }
  return false;
}

function keystore(text: string): boolean {
  return /"crypto"/i.test(text) && /"ciphertext"/i.test(text);
}

/** A private key or a keystore in free text (a review's reason), or null. */
export function secretKind(text: string): string | null {
  if (hexKey(text)) return 'a private key';
  if (keystore(text)) return 'a keystore file';
  return null;
}

/** Why `text` cannot be an API key (null when it is shaped like one). Nothing but a key is ever sent. */
export function keyProblem(text: string): string | null {
  if (KEY_SHAPE.test(text)) return null;
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  // 12–24 words of 3–8 letters and nothing else: the shape of a BIP-39 phrase. Here only the
  // message depends on it: nothing that is not a key leaves this field.
  const phrase = [12, 15, 18, 21, 24].includes(words.length) && /^[a-z\s]+$/.test(text.toLowerCase())
    && words.every((w) => w.length >= 3 && w.length <= 8);
  const kind = phrase ? 'a recovery phrase' : secretKind(text);
  if (kind) {
    return `That looks like ${kind}, not an API key. It was not sent anywhere. Never paste a wallet's secret into a website; this dashboard needs an API key (ak_…).`;
  }
  if (text === '') return 'Paste your API key (ak_…) first.';
  return 'That is not an API key: keys look like ak_ followed by 16 hex digits, an underscore and 32 hex digits (airdrop keys create prints one). Nothing was sent.';
}
