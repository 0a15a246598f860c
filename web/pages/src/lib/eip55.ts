// Addresses: parsed as the server parses them (all-lowercase or all-uppercase as is; mixed case
// must carry a valid EIP-55 checksum), so a typo is caught in the page.
import { hex, keccak } from './hex';

/** The EIP-55 form of a lowercase address body (40 hex digits, no 0x). */
export function checksum(lowerBody: string): string {
  const h = hex(keccak(lowerBody));
  let out = '0x';
  for (let i = 0; i < 40; i++) out += parseInt(h[i], 16) >= 8 ? lowerBody[i].toUpperCase() : lowerBody[i];
  return out;
}

/** The address in `text` (EIP-55), or an Error saying what is wrong with it. */
export function parseAddress(text: string): string {
  const t = text.trim();
  if (!/^0x[0-9a-fA-F]{40}$/.test(t)) {
    // Only short text is quoted back: a long one may be a secret the guard did not recognise.
    const shown = t.length <= 44 ? `"${t}"` : `That text (${t.length} characters)`;
    throw new Error(`${shown} is not an address: type 0x followed by 40 hex digits.`);
  }
  const body = t.slice(2);
  const lower = body.toLowerCase();
  const good = checksum(lower);
  if (body !== lower && body !== body.toUpperCase() && good !== t) {
    throw new Error(`${t} has a wrong checksum (a typo?): check it letter by letter.`);
  }
  return good;
}
