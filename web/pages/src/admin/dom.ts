// Small DOM helpers: text only (never innerHTML with data), and the page's message region.

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el;
}

/** An element with text content and attributes. */
export function el(tag: string, text = '', attrs: Record<string, string> = {}): HTMLElement {
  const e = document.createElement(tag);
  if (text) e.textContent = text;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

/** Table cells from texts (a node is kept as is). */
export function row(cells: (string | Node)[], numeric: number[] = []): HTMLTableRowElement {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => {
    const td = document.createElement('td');
    if (numeric.includes(i)) td.className = 'num';
    if (typeof c === 'string') td.textContent = c;
    else td.append(c);
    tr.append(td);
  });
  return tr;
}

/** Fills a <dl> with term/value pairs. */
export function figures(list: HTMLElement, pairs: [string, string][]): void {
  list.replaceChildren();
  for (const [term, value] of pairs) {
    const div = el('div');
    div.append(el('dt', term), el('dd', value));
    list.append(div);
  }
}

/** Says something in the page's live region (`kind`: ok, warn or bad). */
export function say(text: string, kind: 'ok' | 'warn' | 'bad' = 'ok'): void {
  const status = $('status');
  status.className = `msg ${kind}`;
  status.textContent = text;
  status.hidden = false;
}
