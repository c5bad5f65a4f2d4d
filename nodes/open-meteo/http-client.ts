// Gets a forecast as plain JSON over fetch. Not the official `openmeteo` SDK: the SDK reads FlatBuffers
// (`format=flatbuffers`) and brings that dependency, and a self-hosted server or a test server would have to serve
// FlatBuffers too; JSON is the format every Open-Meteo server answers, readable in a debug node and in a fixture.
//
// Good citizen: a timeout on every request (AbortSignal.timeout), retries with backoff on network errors, timeouts
// and 5xx only; a 400 is final (the request is wrong), and after a 429 nothing is sent to that server until the
// wait its reason names is over (call-budget.ts).
import { Backoff, type BackoffOptions } from '../common/backoff';
import { messageOf } from '../common/errors';
import { retryAfter429, type RateLimitGate } from './call-budget';
import { OpenMeteoError } from './errors';

export interface HttpOptions {
  timeoutMs: number;
  /** Further attempts after a network error, timeout or 5xx. */
  retries: number;
  backoff: BackoffOptions;
  gate: RateLimitGate;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The `reason` of an `{"error": true, "reason": ...}` body, if the text is one. */
export function reasonOf(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { reason?: unknown };
    return typeof body?.reason === 'string' ? body.reason : undefined;
  } catch {
    return undefined;
  }
}

/** The error code behind fetch's "fetch failed" (ECONNREFUSED, ENOTFOUND...), which says more than its message. */
function networkCause(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  if (cause && typeof cause.message === 'string') return cause.message;
  return messageOf(err);
}

function isTimeout(err: unknown): boolean {
  const name = (err as { name?: unknown } | null)?.name;
  return name === 'TimeoutError' || name === 'AbortError';
}

/** One attempt: the parsed body of a 200, or an OpenMeteoError saying why not. */
async function attempt(url: URL, options: HttpOptions, now: () => number): Promise<unknown> {
  let status: number;
  let text: string;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs), headers: { accept: 'application/json' } });
    status = response.status;
    text = await response.text();
  } catch (err) {
    if (isTimeout(err)) throw new OpenMeteoError('timeout', `no answer from ${url.origin} within ${options.timeoutMs / 1000} s`);
    throw new OpenMeteoError('network', `cannot reach ${url.origin}: ${networkCause(err)}`);
  }
  if (status === 200) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new OpenMeteoError('malformed', `malformed forecast: not JSON (${JSON.stringify(text.slice(0, 40))})`, undefined, status);
    }
  }
  const reason = reasonOf(text);
  if (status === 400) throw new OpenMeteoError('rejected', `Open-Meteo refused the request: ${reason ?? 'HTTP 400'}`, reason, status);
  if (status === 429) {
    const why = reason ?? 'HTTP 429 Too Many Requests';
    const until = retryAfter429(why, now());
    options.gate.block(url.origin, until, why);
    throw new OpenMeteoError('rate-limited', `${why} (next request after ${new Date(until).toISOString()})`, why, status);
  }
  throw new OpenMeteoError('server', `Open-Meteo answered HTTP ${status}${reason ? `: ${reason}` : ''}`, reason, status);
}

const retryable = (err: unknown) =>
  err instanceof OpenMeteoError && (err.failure === 'network' || err.failure === 'timeout' || (err.failure === 'server' && (err.status ?? 0) >= 500));

/** GETs the URL and returns its JSON body, retrying as above. */
export async function getJson(url: URL, options: HttpOptions): Promise<unknown> {
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const waiting = options.gate.blocked(url.origin, now());
  if (waiting) {
    throw new OpenMeteoError('rate-limited', `${waiting.reason} (waiting until ${new Date(waiting.until).toISOString()})`, waiting.reason, 429);
  }
  const backoff = new Backoff(options.backoff);
  for (;;) {
    try {
      return await attempt(url, options, now);
    } catch (err) {
      if (!retryable(err) || backoff.attempts >= options.retries) throw err;
      await sleep(backoff.fail());
    }
  }
}
