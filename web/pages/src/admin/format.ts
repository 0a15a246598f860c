// Exact amounts: base units (bigint) shown with the token's decimals by string arithmetic.

/** `amount` base units as a decimal string with `decimals` places, trailing zeros dropped. */
export function formatUnits(amount: bigint, decimals: number): string {
  const negative = amount < 0n;
  const digits = (negative ? -amount : amount).toString().padStart(decimals + 1, '0');
  const int = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (negative ? '-' : '') + grouped + (frac ? `.${frac}` : '');
}

/** A decimal string of base units, formatted; the raw text when it is not an integer. */
export function tokens(base: string | null | undefined, decimals: number, symbol: string): string {
  if (base == null) return '—';
  if (!/^\d+$/.test(base)) return base;
  return `${formatUnits(BigInt(base), decimals)} ${symbol}`.trim();
}
