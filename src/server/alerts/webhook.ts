/**
 * Delivers one alert to one webhook: a JSON POST, retried with exponential backoff on network
 * errors, timeouts, 429 and 5xx (a 4xx other than 429 is the receiver refusing the payload, and
 * retrying it would not help). Never throws: the outcome is returned for the caller to record.
 */
export interface DeliveryOptions {
  timeoutMs: number;
  retries: number;
  /** First backoff; doubles each attempt, capped at 30 s. */
  backoffMs: number;
  sleep?: (ms: number) => Promise<void>;
  onAttempt?: (attempt: number, error: string | undefined) => void;
}

export interface DeliveryResult {
  delivered: boolean;
  attempts: number;
  lastError: string | undefined;
}

const wait = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

/** Strips user:password from a URL before it is logged or stored. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    const hadQuery = u.search !== '';
    u.username = '';
    u.password = '';
    u.search = '';
    u.hash = '';
    return u.toString() + (hadQuery ? '?…' : '');
  } catch {
    return '(invalid url)';
  }
}

export async function deliverWebhook(
  url: string,
  payload: unknown,
  o: DeliveryOptions,
): Promise<DeliveryResult> {
  const sleep = o.sleep ?? wait;
  let lastError: string | undefined;
  const body = JSON.stringify(payload);
  for (let attempt = 1; attempt <= o.retries + 1; attempt++) {
    let retryable = true;
    try {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'holdfast-alerts' },
        body,
        signal: AbortSignal.timeout(o.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.ok) {
        o.onAttempt?.(attempt, undefined);
        return { delivered: true, attempts: attempt, lastError: undefined };
      }
      lastError = `HTTP ${res.status}`;
      retryable = res.status === 429 || res.status >= 500;
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      lastError =
        e instanceof Error && e.name === 'TimeoutError'
          ? `timed out after ${o.timeoutMs}ms`
          : (cause ?? (e instanceof Error ? e.message : String(e)));
    }
    o.onAttempt?.(attempt, lastError);
    if (!retryable) return { delivered: false, attempts: attempt, lastError };
    if (attempt <= o.retries) await sleep(Math.min(o.backoffMs * 2 ** (attempt - 1), 30_000));
  }
  return { delivered: false, attempts: o.retries + 1, lastError };
}
