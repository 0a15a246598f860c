// The dashboard's API client: every request carries the key from this tab's sessionStorage as
// `Authorization: Bearer`; errors become ApiError with the server's {code, detail}.

const KEY = 'airdrop.admin.key';

/** The key of this tab, or null when signed out. Never a cookie, never localStorage. */
export function storedKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY);
}

export class ApiError extends Error {
  constructor(public status: number, public code: string, public detail: string) {
    super(detail);
  }
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const key = storedKey();
  return key ? { ...extra, authorization: `Bearer ${key}` } : extra;
}

async function failure(res: Response): Promise<ApiError> {
  try {
    const body = await res.json();
    return new ApiError(res.status, String(body.code ?? 'error'), String(body.detail ?? res.statusText));
  } catch {
    return new ApiError(res.status, 'error', `the server answered ${res.status}`);
  }
}

/** A request to the API; the JSON answer, or an ApiError. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const res = await fetch(path, {
    method: init.method ?? 'GET',
    headers: headers(init.body === undefined ? {} : { 'content-type': 'application/json' }),
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok) throw await failure(res);
  return (await res.json()) as T;
}

/** Downloads a file the API serves (a CSV export) through fetch and a Blob: a link cannot carry the key. */
export async function download(path: string, name: string): Promise<number> {
  const res = await fetch(path, { headers: headers(), credentials: 'omit', cache: 'no-store' });
  if (!res.ok) throw await failure(res);
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return blob.size;
}

/**
 * Follows a job's Server-Sent Events. EventSource cannot send an Authorization header, so the
 * stream is read with fetch; each event's JSON goes to `onEvent` until `done` or `failed`.
 */
export async function followJob(job: string, onEvent: (name: string, data: any) => void): Promise<void> {
  const res = await fetch(`/v1/jobs/${encodeURIComponent(job)}/events`, {
    headers: headers({ accept: 'text/event-stream' }),
    credentials: 'omit',
    cache: 'no-store',
  });
  if (!res.ok || !res.body) throw await failure(res);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n/g, '\n');
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let name = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) name = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length === 0) continue; // a keep-alive comment
      onEvent(name, JSON.parse(data.join('\n')));
      if (name === 'done' || name === 'failed') {
        await reader.cancel();
        return;
      }
    }
  }
}
