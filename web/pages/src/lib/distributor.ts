// The distributor's claim call, encoded in the page (as the claim kit and the engine encode it),
// and its revert reasons in plain words.
import { concat, hex, unhex, word, selector } from './hex';

/** Call data of `claim(uint256 index, address account, uint256 amount, bytes32[] proof)`. */
export function claimCalldata(index: bigint, account: string, amount: bigint, proof: string[]): string {
  return selector('claim(uint256,address,uint256,bytes32[])') + hex(concat([word(index), word(account), word(amount),
    word(128), word(proof.length), ...proof.map(unhex)]));
}

const REASONS: [string, string][] = [
  ['ClaimNotStarted(uint64)', 'claims have not opened yet'],
  ['ClaimWindowClosed(uint64)', 'the claim window has closed'],
  ['AlreadyClaimed(uint256)', 'this claim was already paid'],
  ['NothingToClaim(uint256)', 'nothing is claimable now: what has vested so far is already paid'],
  ['InvalidProof()', 'the proof does not match the contract\'s root'],
  ['SignatureExpired(uint256)', 'the signature expired'],
  ['InvalidSignature()', 'the signature is not the recipient\'s'],
];

/** A plain reason for revert data (0x-hex), or null when it is not one of the distributor's. */
export function revertReason(data: string | undefined | null): string | null {
  if (!data || typeof data !== 'string' || data.length < 10) return null;
  const sel = data.slice(0, 10).toLowerCase();
  const found = REASONS.find(([sig]) => selector(sig) === sel);
  return found ? found[1] : null;
}

/** Revert data carried by a JSON-RPC error, wherever the wallet put it. */
export function revertData(e: any): string | null {
  const d = e && (e.data?.data ?? e.data ?? e.error?.data);
  return typeof d === 'string' && d.startsWith('0x') ? d : null;
}
