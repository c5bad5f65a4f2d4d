// One node's forecast: builds the request, books its weight in the runtime's budget, fetches, parses, and keeps
// the last good forecast so it can be re-sent, marked stale, while fetching fails.
import type { BackoffOptions } from '../common/backoff';
import { freeApiBudget, rateLimitGate, type CallBudget, type RateLimitGate } from './call-budget';
import { getJson } from './http-client';
import { forecastUrl, isFreeApi, requestWeight, type ForecastRequest } from './request';
import { parseForecast, type Forecast } from './response';

export interface Fetched {
  forecast: Forecast;
  /** ms when the answer arrived. */
  fetchedAt: number;
  /** Weighted calls the request cost. */
  weight: number;
}

/** What one fetch came to: a new forecast, or the last good one again because this fetch failed. */
export interface FetchResult {
  fetched: Fetched;
  /** Set when `fetched` is the last good forecast re-sent: why this fetch failed. */
  staleBecause?: unknown;
}

export interface SourceOptions {
  timeoutMs: number;
  retries: number;
  backoff?: BackoffOptions;
  budget?: CallBudget;
  gate?: RateLimitGate;
  now?: () => number;
  /** Whether the calls count against the free limits; by default, when the endpoint is the free API's. */
  free?: boolean;
}

/** Retries after a network error, timeout or 5xx wait 1 s, then 2 s, 4 s ... at most 30 s. */
const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 1000, maxMs: 30_000 };

export class ForecastSource {
  private last: Fetched | undefined;
  private readonly budget: CallBudget;
  private readonly gate: RateLimitGate;
  private readonly now: () => number;
  /** The weight of this node's request (same every time). */
  readonly weight: number;
  /** True when the calls count against the free limits. */
  readonly free: boolean;

  constructor(
    private readonly request: ForecastRequest,
    private readonly options: SourceOptions,
  ) {
    this.budget = options.budget ?? freeApiBudget;
    this.gate = options.gate ?? rateLimitGate;
    this.now = options.now ?? Date.now;
    this.weight = requestWeight(request);
    this.free = options.free ?? isFreeApi(request.endpoint);
  }

  get url(): URL {
    return forecastUrl(this.request);
  }

  /** Fetches now; on failure re-sends the last good forecast as stale, or throws when there is none yet. */
  async fetch(): Promise<FetchResult> {
    try {
      const body = await getJson(this.url, {
        timeoutMs: this.options.timeoutMs,
        retries: this.options.retries,
        backoff: this.options.backoff ?? DEFAULT_BACKOFF,
        gate: this.gate,
        now: this.now,
      });
      const fetchedAt = this.now();
      // The server books a call once it has answered it; so does the budget.
      if (this.free) this.budget.record(this.weight, fetchedAt);
      this.last = { forecast: parseForecast(body), fetchedAt, weight: this.weight };
      return { fetched: this.last };
    } catch (err) {
      if (!this.last) throw err;
      return { fetched: this.last, staleBecause: err };
    }
  }

  /** The budget's warning, for the free API only (other servers have their own limits or none). */
  budgetWarning(): ReturnType<CallBudget['warning']> {
    return this.free ? this.budget.warning(this.now()) : undefined;
  }
}
