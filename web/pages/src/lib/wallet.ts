// The wallet: any EIP-1193 provider (`window.ethereum`, or the first one announced by EIP-6963),
// with a user's refusal told apart from a failure, and the receipt of a transaction polled
// through the wallet itself (the page talks to no node).
import { sleep } from './http';

export interface Provider { request(args: { method: string; params?: unknown[] }): Promise<any> }

let announced: Provider | null = null;
if (typeof window !== 'undefined') {
  window.addEventListener('eip6963:announceProvider', (e: Event) => {
    const detail = (e as CustomEvent).detail;
    if (!announced && detail && detail.provider) announced = detail.provider;
  });
  window.dispatchEvent(new Event('eip6963:requestProvider'));
}

/** The wallet in this browser, or null. */
export function provider(): Provider | null {
  return ((window as any).ethereum as Provider | undefined) ?? announced;
}

/** A user closing or refusing a wallet prompt (EIP-1193 code 4001). */
export function isRefusal(e: any): boolean {
  return !!e && (e.code === 4001 || e.code === 'ACTION_REJECTED');
}

/** The message of a wallet error, short and without anything the page did not ask for. */
export function walletError(e: any): string {
  const m = e && typeof e.message === 'string' ? e.message : String(e);
  return m.length > 200 ? m.slice(0, 200) + '…' : m;
}

/** Asks for the wallet's account (prompting when needed). */
export async function account(p: Provider): Promise<string> {
  const accounts: string[] = await p.request({ method: 'eth_requestAccounts' });
  if (!accounts || !accounts[0]) throw new Error('the wallet shared no account');
  return accounts[0];
}

export async function chainId(p: Provider): Promise<bigint> {
  return BigInt(await p.request({ method: 'eth_chainId' }));
}

/** The receipt of `hash`, polled until mined (or `limitMs` passes: null). */
export async function receipt(p: Provider, hash: string, limitMs = 120_000): Promise<any | null> {
  const until = Date.now() + limitMs;
  while (Date.now() < until) {
    const r = await p.request({ method: 'eth_getTransactionReceipt', params: [hash] });
    if (r) return r;
    await sleep(1000);
  }
  return null;
}
