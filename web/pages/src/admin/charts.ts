// The claims-over-time chart, drawn with SVG elements (no inline style, allowed by the CSP),
// and the report's charts, which the server draws (the same code as report.html).

const NS = 'http://www.w3.org/2000/svg';

function svgEl(tag: string, attrs: Record<string, string | number>): SVGElement {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** Puts an SVG document the API drew into `box` (parsed as SVG: no script runs from it). */
export function showSvg(box: HTMLElement, svg: string): void {
  const doc = new DOMParser().parseFromString(svg, 'image/svg+xml');
  const root = doc.documentElement;
  if (root.nodeName !== 'svg' || root.querySelector('script')) {
    box.textContent = 'The chart could not be shown.';
    return;
  }
  box.replaceChildren(document.importNode(root, true));
}

export interface ClaimPoint { block: number; timestamp: number | null; claims: number; amount: string; cumulativeAmount: string }

/**
 * Cumulative amount claimed by block, as a step line over the total. Positions are scaled
 * with bigint arithmetic to thousandths; the amounts themselves are shown as exact text.
 */
export function claimsChart(box: HTMLElement, series: ClaimPoint[], total: bigint, head: number | null, label: string): void {
  const [w, h, left, bottom] = [480, 200, 8, 24];
  const svg = svgEl('svg', { viewBox: `0 0 ${w} ${h}`, width: '100%', role: 'img', 'aria-label': label });
  const plotW = w - left - 8;
  const plotH = h - bottom - 10;
  svg.append(svgEl('line', { x1: left, y1: h - bottom, x2: w - 8, y2: h - bottom, stroke: '#4a4a4a' }));
  if (series.length > 0 && total > 0n) {
    // One block before the first claim, so the first step shows.
    const first = Math.max(series[0].block - 1, 0);
    const last = Math.max(head ?? series[series.length - 1].block, first + 1);
    const x = (b: number) => left + ((b - first) / (last - first)) * plotW;
    const y = (v: bigint) => h - bottom - Number((v * 1000n) / total) / 1000 * plotH;
    const pts: string[] = [`${x(first).toFixed(1)},${y(0n).toFixed(1)}`];
    let prev = 0n;
    for (const p of series) {
      const cum = BigInt(p.cumulativeAmount);
      pts.push(`${x(p.block).toFixed(1)},${y(prev).toFixed(1)}`, `${x(p.block).toFixed(1)},${y(cum).toFixed(1)}`);
      prev = cum;
    }
    pts.push(`${x(last).toFixed(1)},${y(prev).toFixed(1)}`);
    svg.append(svgEl('polyline', { points: pts.join(' '), fill: 'none', stroke: '#0b5cad', 'stroke-width': 2 }));
    const t1 = svgEl('text', { x: left, y: h - 6, fill: '#4a4a4a' });
    t1.textContent = `block ${first}`;
    const t2 = svgEl('text', { x: w - 8, y: h - 6, 'text-anchor': 'end', fill: '#4a4a4a' });
    t2.textContent = `block ${last}`;
    svg.append(t1, t2);
  }
  box.replaceChildren(svg);
}
