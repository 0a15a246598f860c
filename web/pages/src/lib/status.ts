// The page's one aria-live message region (#status).

export type Tone = 'ok' | 'warn' | 'bad' | '';

export function say(text: string, tone: Tone = '') {
  const s = document.getElementById('status');
  if (!s) return;
  s.className = `msg ${tone}`.trim();
  s.textContent = text;
  s.hidden = !text;
}
