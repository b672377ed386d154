import type { TextSource } from "./text-source";

/** Why a refresh ran: the poll timer, the first load, or an unknown `kid` (break-glass). */
export type RefreshTrigger = "start" | "interval" | "break-glass";

export type RefreshOutcome =
  | { readonly ok: true; readonly changed: boolean }
  | { readonly ok: false; readonly error: Error };

/** What a PolledDocument reports after each refresh; the service turns it into logs and metrics. */
export interface RefreshEvent {
  readonly document: string;
  readonly trigger: RefreshTrigger;
  readonly outcome: RefreshOutcome;
  readonly durationMs: number;
}

export interface PolledDocumentOptions<T> {
  /** `keys` or `deny-list`: names the document in logs and metrics. */
  readonly name: string;
  readonly source: TextSource;
  /** Parses and validates the text; throws (naming the source) when it is unusable. */
  readonly parse: (text: string, source: string) => Promise<T> | T;
  /** Changes exactly when the meaning of the document changes. */
  readonly fingerprint: (value: T) => string;
  /** How long the last good value serves after refreshes start failing, ms. */
  readonly stalenessLimitMs: number;
  /** Milliseconds since the epoch. */
  readonly clock: () => number;
  /** Called after every refresh, successful or not. */
  readonly onRefresh?: (event: RefreshEvent) => void;
  /** Called when a refresh brings a value with a new fingerprint (not on the first load). */
  readonly onChange?: (value: T) => void;
}

/**
 * A document polled from a source (the JWKS, the deny list). A failed refresh keeps the last good
 * value; `fresh()` turns false once the last success is older than the staleness limit, and the
 * service then denies every check and fails `/readyz` until a refresh succeeds again.
 * Concurrent refreshes share one read, so a burst of unknown kids costs one call to the source.
 */
export class PolledDocument<T> {
  private current: T | undefined;
  private currentFingerprint: string | undefined;
  private lastSuccessMs: number | undefined;
  private lastFailure: Error | undefined;
  private inFlight: Promise<RefreshOutcome> | undefined;

  constructor(private readonly options: PolledDocumentOptions<T>) {}

  get name(): string {
    return this.options.name;
  }

  /** The last good value, or undefined before the first successful load. */
  get value(): T | undefined {
    return this.current;
  }

  get fingerprint(): string | undefined {
    return this.currentFingerprint;
  }

  /** The error of the last refresh when it failed, else undefined. */
  get lastError(): Error | undefined {
    return this.lastFailure;
  }

  /** Seconds since the last successful load, or undefined before the first one. */
  ageSeconds(nowMs = this.options.clock()): number | undefined {
    return this.lastSuccessMs === undefined ? undefined : Math.max(0, (nowMs - this.lastSuccessMs) / 1000);
  }

  /** Loaded, and the last successful load is within the staleness limit. */
  fresh(nowMs = this.options.clock()): boolean {
    return this.lastSuccessMs !== undefined && nowMs - this.lastSuccessMs <= this.options.stalenessLimitMs;
  }

  /** Reads and parses the source once; joins a refresh already in flight. Never rejects. */
  refresh(trigger: RefreshTrigger): Promise<RefreshOutcome> {
    if (!this.inFlight) {
      this.inFlight = this.load(trigger).finally(() => {
        this.inFlight = undefined;
      });
    }
    return this.inFlight;
  }

  private async load(trigger: RefreshTrigger): Promise<RefreshOutcome> {
    const started = this.options.clock();
    let outcome: RefreshOutcome;
    try {
      const text = await this.options.source.read();
      const value = await this.options.parse(text, this.options.source.description);
      const fingerprint = this.options.fingerprint(value);
      const changed = this.currentFingerprint !== undefined && fingerprint !== this.currentFingerprint;
      this.current = value;
      this.currentFingerprint = fingerprint;
      this.lastSuccessMs = this.options.clock();
      this.lastFailure = undefined;
      outcome = { ok: true, changed };
      if (changed) this.options.onChange?.(value);
    } catch (error) {
      this.lastFailure = error instanceof Error ? error : new Error(String(error));
      outcome = { ok: false, error: this.lastFailure };
    }
    this.options.onRefresh?.({ document: this.options.name, trigger, outcome, durationMs: this.options.clock() - started });
    return outcome;
  }
}

/** Polls a document every `intervalMs`; retries sooner (`retryMs`) while nothing has loaded yet. */
export class Poller {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly document: PolledDocument<unknown>,
    private readonly intervalMs: number,
    private readonly retryMs: number,
  ) {}

  /** Loads once now, then keeps polling until `stop()`. Resolves after the first load attempt. */
  async start(): Promise<RefreshOutcome> {
    this.stopped = false;
    const outcome = await this.document.refresh("start");
    this.schedule();
    return outcome;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.document.value === undefined ? Math.min(this.retryMs, this.intervalMs) : this.intervalMs;
    this.timer = setTimeout(() => {
      void this.document.refresh("interval").then(() => this.schedule());
    }, delay);
    this.timer.unref();
  }
}
