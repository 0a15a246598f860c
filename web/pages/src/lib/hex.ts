// Bytes, hex and 32-byte ABI words.
import { keccak_256 } from '@noble/hashes/sha3.js';

export const hex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');

export function unhex(h: string): Uint8Array {
  const s = h.startsWith('0x') ? h.slice(2) : h;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export const word = (n: bigint | number | string): Uint8Array => unhex(BigInt(n).toString(16).padStart(64, '0'));

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

export const keccak = (text: string): Uint8Array => keccak_256(new TextEncoder().encode(text));

/** The 4-byte selector of a function or error signature, 0x-hex. */
export const selector = (signature: string): string => '0x' + hex(keccak(signature).slice(0, 4));
