// Same-origin JSON requests to this server's API. Errors are the API's `{code, detail}`.

export interface Answer { status: number; body: any }

export async function getJson(path: string): Promise<Answer> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  return { status: res.status, body: await res.json().catch(() => null) };
}

export async function postJson(path: string, body: unknown): Promise<Answer> {
  const res = await fetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

/** The API's error detail, or a plain fallback (never a stack or a server path). */
export function detail(a: Answer): string {
  return (a.body && typeof a.body.detail === 'string') ? a.body.detail : `the server answered ${a.status}`;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
