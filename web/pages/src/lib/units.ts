// Token amounts: integers in base units (bigint), shown with the token's decimals by exact
// string formatting, never through floating point.

/** `v / 10^decimals` as a plain decimal without trailing zeros. */
export function formatUnits(v: bigint, decimals: number): string {
  if (decimals === 0) return v.toString();
  const base = 10n ** BigInt(decimals);
  const whole = v / base;
  const frac = (v % base).toString().padStart(decimals, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}
