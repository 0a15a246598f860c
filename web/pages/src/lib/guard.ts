// The page's key guard: a private key, a recovery phrase or a keystore typed or pasted into a
// field is refused in the page, before anything is sent. The rules follow the server's
// (airdrop_merkle::guard) and the claim kit's: 64 hex digits standing alone, an encrypted
// JSON keystore, or a run of 12 to 24 words of 3 to 8 letters (BIP-39 English words all have
// that length). The page does not carry the BIP-39 word list: in an address or code field it
// refuses any such run; in free text (evidence, a reason), where a sentence can hold twelve such
// words, only a text that is nothing but 12 to 24 such words. The server, which checks the
// word list and the checksum anywhere in a text, stays the last word on the rest.

export type SecretKind = 'a private key' | 'a recovery phrase' | 'a keystore file';

/** What kind of secret `text` holds, or null; `freeText` for prose fields (see above). */
export function secretKind(text: string, freeText = false): SecretKind | null {
  if (/"(crypto|Crypto)"\s*:/.test(text) || /"ciphertext"\s*:/i.test(text)) return 'a keystore file';
  for (const m of text.matchAll(/[0-9A-Za-z]+/g)) {
    const w = m[0];
    const digits = /^0[xX]/.test(w) ? w.slice(2) : w;
    if (digits.length === 64 && /^[0-9a-fA-F]+$/.test(digits) && !isData(text, m.index ?? 0, /^0[xX]/.test(w))) {
      return 'a private key';
    }
  }
  if (freeText) {
    const words = text.trim().split(/\s+/).filter(Boolean);
    const phrase = words.length >= 12 && words.length <= 24 && words.every((w) => /^[A-Za-z]{3,8}$/.test(w));
    return phrase ? 'a recovery phrase' : null;
  }
  // As on the server, words are runs of ASCII letters separated by anything else.
  let run = 0;
  for (const m of text.matchAll(/[A-Za-z]+/g)) {
    run = m[0].length >= 3 && m[0].length <= 8 ? run + 1 : 0;
    if (run >= 12) return 'a recovery phrase';
  }
  return null;
}

// A 0x hash inside a URL, or a digest in a URN / labelled sha256:, is data (as on the server).
function isData(text: string, at: number, prefixed: boolean): boolean {
  const before = text.slice(0, at);
  const cut = Math.max(...[' ', '\n', '\t', '"', "'", '(', '[', '<'].map((c) => before.lastIndexOf(c)));
  const token = before.slice(cut + 1).toLowerCase();
  return (prefixed && token.includes('://')) || token.startsWith('urn:') || token.endsWith('sha256:');
}

/** The refusal every page shows: what it looked like and what to do; never the text itself. */
export function refusal(kind: SecretKind): string {
  return `That looks like ${kind}. Never type it into any page: no genuine airdrop needs it. Nothing was sent. If you shared it anywhere, move your funds to a new wallet.`;
}
