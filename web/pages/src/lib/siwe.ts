// Sign-In with Ethereum (EIP-4361) messages exactly as the server checks them: its domain and
// URI (from GET /v1/auth/nonce), the campaign's chain id, a fresh nonce, Issued At now, and the
// resources that bind the signature to one campaign (and, for a submission, one task and one
// piece of evidence).
import { getJson, detail } from './http';
import { hex } from './hex';
import { checksum } from './eip55';

export interface Nonce { nonce: string; domains: string[]; uris: string[] }

export async function nonce(): Promise<Nonce> {
  const a = await getJson('/v1/auth/nonce');
  if (a.status !== 200) throw new Error(`no sign-in nonce: ${detail(a)}`);
  return a.body;
}

/** The EIP-4361 message `address` signs on chain `chainId` with `resources`. */
export function message(n: Nonce, address: string, chainId: number, statement: string, resources: string[]): string {
  // This page's own host and origin when the server lists them; else the server's first ones.
  const domain = n.domains.includes(location.host) ? location.host : n.domains[0];
  const uri = n.uris.find((u) => location.origin === u || location.origin.startsWith(u)) ?? n.uris[0];
  const issued = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [
    `${domain} wants you to sign in with your Ethereum account:`,
    checksum(address.slice(2).toLowerCase()),
    '',
    statement,
    '',
    `URI: ${uri}`,
    'Version: 1',
    `Chain ID: ${chainId}`,
    `Nonce: ${n.nonce}`,
    `Issued At: ${issued}`,
    'Resources:',
    ...resources.map((r) => `- ${r}`),
  ].join('\n');
}

/** personal_sign's parameter: the message's UTF-8 bytes, 0x-hex. */
export const utf8Hex = (text: string): string => '0x' + hex(new TextEncoder().encode(text));
