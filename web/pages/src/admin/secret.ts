// What the key field and the review reason refuse before anything is sent: text shaped like a
// private key, a recovery phrase or a keystore. Shapes only, and never echoed.
// TODO(lead): switch to the shared guard in ../lib/guard.ts once it is merged (same rules as
// airdrop_merkle::guard); the server refuses these too (400 secret_refused).

const KEY_SHAPE = /^ak_[0-9a-f]{16}_[0-9a-f]{32}$/;

/** The kind of secret `text` looks like, or null. */
export function secretKind(text: string): string | null {
  if (/(^|[^0-9a-fA-F])(0x)?[0-9a-fA-F]{64}([^0-9a-fA-F]|$)/.test(text)) return 'a private key';
  if (/"(crypto|Crypto)"\s*:|"ciphertext"\s*:/.test(text)) return 'a keystore file';
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  // 12–24 (a multiple of 3) words of 3–8 letters and nothing else: the shape of a BIP-39 phrase.
  if ([12, 15, 18, 21, 24].includes(words.length) && /^[a-z\s]+$/.test(text.trim().toLowerCase()) && words.every((w) => w.length >= 3 && w.length <= 8)) {
    return 'a recovery phrase';
  }
  return null;
}

/** Why `text` cannot be an API key (null when it is shaped like one). */
export function keyProblem(text: string): string | null {
  if (KEY_SHAPE.test(text)) return null;
  const kind = secretKind(text);
  if (kind) {
    return `That looks like ${kind}, not an API key. It was not sent anywhere. Never paste a wallet's secret into a website; this dashboard needs an API key (ak_…).`;
  }
  if (text === '') return 'Paste your API key (ak_…) first.';
  return 'That is not an API key: keys look like ak_ followed by 16 hex digits, an underscore and 32 hex digits (airdrop keys create prints one). Nothing was sent.';
}
