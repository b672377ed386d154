import { signUpstream, type Credentials, type S3Endpoint } from "../../src/upstream/sign";
import type { AllowHook } from "./service";

/** Credentials as a provider returns them: `expiration` unset for long-lived ones. */
export interface ExpiringCredentials extends Credentials {
  readonly expiration?: Date;
}

/** Fetches current credentials; the AWS SDK's default provider chain caches them and refetches within 5 minutes of expiry. */
export type CredentialSource = () => Promise<ExpiringCredentials>;

/** The Envoy response header that names client headers to remove from the upstream request. */
export const HEADERS_TO_REMOVE = "x-envoy-auth-headers-to-remove";

/**
 * How long before the held credentials expire a refresh starts in the background, milliseconds:
 * more than the SDK provider's own 5-minute margin, so the refresh gets new credentials in time.
 */
export const CREDENTIAL_REFRESH_AHEAD_MS = 6 * 60_000;
/** Credentials with less validity left than this are not used, whether held or just fetched, milliseconds. */
export const CREDENTIAL_MIN_VALIDITY_MS = 60_000;
/** Least time between two calls to the provider, whatever their outcome, milliseconds. */
export const CREDENTIAL_RETRY_MS = 10_000;
/** Longest wait for the provider before the attempt fails (the SDK's ECS and IMDS providers give up after 1 s themselves), milliseconds. */
export const CREDENTIAL_FETCH_TIMEOUT_MS = 5_000;

/** Why an attempt to fetch credentials failed, and when the held set expires (it serves until a minute before; undefined: none is held). */
export type RefreshErrorHandler = (error: Error, heldUntil: Date | undefined) => void;

/** Expiry of a set of credentials, ms since the epoch: +Infinity without one, NaN for an invalid date. */
function expiryMs(credentials: ExpiringCredentials): number {
  return credentials.expiration === undefined ? Number.POSITIVE_INFINITY : credentials.expiration.getTime();
}

/** Whether `credentials` stay valid for more than CREDENTIAL_MIN_VALIDITY_MS after `nowMs` (never for an invalid expiration). */
function usableAt(credentials: ExpiringCredentials, nowMs: number): boolean {
  return expiryMs(credentials) - nowMs > CREDENTIAL_MIN_VALIDITY_MS;
}

/** What a header value may hold (RFC 9110 field-vchar, space and tab): Node refuses anything else in `writeHead`. */
const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why a set of credentials cannot sign, or undefined when it can. */
function unusable(credentials: unknown): string | undefined {
  if (typeof credentials !== "object" || credentials === null) return "the credentials provider returned no credentials";
  const { accessKeyId, secretAccessKey, sessionToken, expiration } = credentials as Record<string, unknown>;
  for (const [name, value] of [["access key id", accessKeyId], ["secret access key", secretAccessKey]] as const) {
    if (typeof value !== "string" || value === "") return `the credentials provider returned no ${name}`;
  }
  if (!HEADER_VALUE.test(accessKeyId as string)) return "the credentials provider returned an access key id with characters a header cannot carry";
  if (sessionToken !== undefined && (typeof sessionToken !== "string" || !HEADER_VALUE.test(sessionToken))) {
    return "the credentials provider returned a session token with characters a header cannot carry (a line break read from a file?)";
  }
  if (expiration !== undefined && !(expiration instanceof Date)) return "the credentials provider returned an expiration that is not a date";
  return undefined;
}

/**
 * The task role's credentials, held for signing in the check's own turn. `at(now)` answers the held
 * credentials synchronously while they are valid for at least CREDENTIAL_MIN_VALIDITY_MS, starting a
 * background refresh once they expire within CREDENTIAL_REFRESH_AHEAD_MS; with none valid, it
 * answers a refresh (a promise, rejected when it fails: the check is then denied).
 *
 * The provider is called once at a time and at most every CREDENTIAL_RETRY_MS (timed on a monotonic
 * clock), whatever the outcome: within that interval a check without valid credentials is refused
 * at once with the last error. An attempt fails when the provider throws, takes over
 * CREDENTIAL_FETCH_TIMEOUT_MS, or returns credentials that cannot sign (a missing key, a value a
 * header cannot carry, an invalid expiration) or with under CREDENTIAL_MIN_VALIDITY_MS left when it
 * answers; a check that waited is refused too if the credentials have under that left when its wait
 * ends. Of two valid sets the one expiring later is kept; credentials without `expiration` are kept
 * for good. Every failed attempt is reported to `onRefreshError`.
 */
export class HeldCredentials {
  private held: ExpiringCredentials | undefined;
  private inFlight: Promise<ExpiringCredentials> | undefined;
  private lastAttemptAt = Number.NEGATIVE_INFINITY;
  private lastError: Error | undefined;

  constructor(
    private readonly source: CredentialSource,
    /** Told of each failed attempt. @default ignored */
    private readonly onRefreshError: RefreshErrorHandler = () => {},
    /** Milliseconds on a clock that never steps back, for the retry interval and waits. @default performance.now */
    private readonly monotonicMs: () => number = () => performance.now(),
  ) {}

  at(nowMs: number): Credentials | Promise<Credentials> {
    const held = this.held;
    if (held !== undefined) {
      const leftMs = expiryMs(held) - nowMs;
      if (leftMs > CREDENTIAL_MIN_VALIDITY_MS) {
        if (leftMs < CREDENTIAL_REFRESH_AHEAD_MS) this.refreshInBackground(nowMs);
        return held;
      }
    }
    if (this.inFlight === undefined && !this.mayTryAgain()) {
      return Promise.reject(this.lastError ?? new Error(`no valid task role credentials are held, and the provider was asked under ${CREDENTIAL_RETRY_MS / 1000} s ago`));
    }
    const askedAt = this.monotonicMs();
    return this.refresh(nowMs).then((credentials) => {
      const waitedNowMs = nowMs + (this.monotonicMs() - askedAt);
      if (!usableAt(credentials, waitedNowMs)) throw new Error(`the task role credentials expire under ${CREDENTIAL_MIN_VALIDITY_MS / 1000} s after this check's wait for them`);
      return credentials;
    });
  }

  /**
   * Why no valid credentials are held at `nowMs`, or undefined when they are. Starts a refresh when
   * none are held and the retry interval allows, so a readiness probe that asks keeps trying while
   * no checks arrive (an unready authorizer gets none).
   */
  problem(nowMs: number): string | undefined {
    const held = this.held;
    if (held !== undefined && usableAt(held, nowMs)) return undefined;
    this.refreshInBackground(nowMs);
    if (this.lastError !== undefined) return `task role credentials unavailable: ${this.lastError.message}`;
    return held === undefined ? "task role credentials not fetched yet" : "task role credentials expire within a minute; fetching new ones";
  }

  /** Starts a refresh unless one is in flight or the provider was called under CREDENTIAL_RETRY_MS ago; never rejects. */
  refreshInBackground(nowMs: number): void {
    if (this.inFlight !== undefined || !this.mayTryAgain()) return;
    // A failure is reported by `refresh` and answered to the next check that needs credentials.
    this.refresh(nowMs).catch(() => {});
  }

  private mayTryAgain(): boolean {
    return this.monotonicMs() - this.lastAttemptAt >= CREDENTIAL_RETRY_MS;
  }

  private refresh(nowMs: number): Promise<ExpiringCredentials> {
    if (this.inFlight !== undefined) return this.inFlight;
    const startedAt = this.monotonicMs();
    this.lastAttemptAt = startedAt;
    /** The wall-clock time now, from the attempt's start and the monotonic time since. */
    const wallNowMs = () => nowMs + (this.monotonicMs() - startedAt);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the credentials provider did not answer within ${CREDENTIAL_FETCH_TIMEOUT_MS} ms`)), CREDENTIAL_FETCH_TIMEOUT_MS);
      timer.unref();
    });
    // Called in a promise turn, so a provider that throws synchronously fails the attempt like any other.
    const fetched = Promise.resolve().then(() => this.source());
    const attempt: Promise<ExpiringCredentials> = Promise.race([fetched, timeout])
      .then((credentials) => this.accept(credentials, wallNowMs()))
      .then(
        (credentials) => {
          this.lastError = undefined;
          return credentials;
        },
        (thrown: unknown) => {
          const error = thrown instanceof Error ? thrown : new Error(String(thrown));
          this.lastError = error;
          this.report(error, wallNowMs());
          throw error;
        },
      )
      .finally(() => {
        clearTimeout(timer);
        if (this.inFlight === attempt) this.inFlight = undefined;
      });
    this.inFlight = attempt;
    return attempt;
  }

  /** Tells `onRefreshError`, with until when the held set still serves; a throwing handler is ignored. */
  private report(error: Error, nowMs: number): void {
    const held = this.held;
    const heldUntil = held !== undefined && usableAt(held, nowMs) ? held.expiration : undefined;
    try {
      this.onRefreshError(error, heldUntil);
    } catch {
      // Reporting must not turn a failed refresh into a crash.
    }
  }

  /** The set to hold after a fetch: the fetched one unless it is unusable (thrown) or the held one lasts longer. */
  private accept(fetched: ExpiringCredentials, nowMs: number): ExpiringCredentials {
    const problem = unusable(fetched);
    if (problem !== undefined) throw new Error(problem);
    const expires = expiryMs(fetched);
    if (Number.isNaN(expires)) throw new Error("the credentials provider returned an invalid expiration");
    if (!usableAt(fetched, nowMs)) {
      throw new Error(`the credentials provider returned credentials expiring at ${(fetched.expiration as Date).toISOString()}, under ${CREDENTIAL_MIN_VALIDITY_MS / 1000} s away`);
    }
    const held = this.held;
    if (held === undefined || expiryMs(held) <= expires) this.held = fetched;
    return this.held as ExpiringCredentials;
  }
}

export interface UpstreamSignerOptions {
  /** Told of each failed attempt to fetch the task role's credentials. @default ignored */
  readonly onRefreshError?: RefreshErrorHandler;
}

/**
 * The allow hook that signs the judged request for S3 (docs/design.md section 5): Envoy copies the
 * returned headers onto the upstream request and removes the ones named in HEADERS_TO_REMOVE.
 * Synchronous while the task role's credentials are held (`HeldCredentials`); the first check, and
 * any after the credentials lapsed, wait for the provider. The credentials are fetched once at
 * construction so the first checks need not. A credentials failure rejects, and the service turns
 * a failing hook into a denial. Its `problems` make `/readyz` fail while no valid credentials are
 * held (before the first fetch, and while the provider fails), and retry the fetch.
 */
export function upstreamSigner(endpoint: S3Endpoint, source: CredentialSource, options: UpstreamSignerOptions = {}): AllowHook {
  const credentials = new HeldCredentials(source, options.onRefreshError);
  credentials.refreshInBackground(Date.now());
  const hook: AllowHook = (decision, context) => {
    const sign = (held: Credentials): Record<string, string> => {
      const signature = signUpstream({ request: decision.received, classified: decision.request, credentials: held, endpoint, now: context.now });
      if (signature.removeHeaders.length === 0) return signature.setHeaders as Record<string, string>;
      return { ...signature.setHeaders, [HEADERS_TO_REMOVE]: signature.removeHeaders.join(",") };
    };
    const held = credentials.at(context.now.getTime());
    return held instanceof Promise ? held.then(sign) : sign(held);
  };
  return Object.assign(hook, {
    problems: (nowMs: number) => {
      const problem = credentials.problem(nowMs);
      return problem === undefined ? [] : [problem];
    },
  });
}

/** The SDK's default chain: ECS task role in AWS, profile or environment credentials locally. */
export async function defaultCredentialSource(): Promise<CredentialSource> {
  const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
  const provider = fromNodeProviderChain();
  return async () => {
    const identity = await provider();
    return {
      accessKeyId: identity.accessKeyId,
      secretAccessKey: identity.secretAccessKey,
      ...(identity.sessionToken === undefined ? {} : { sessionToken: identity.sessionToken }),
      ...(identity.expiration === undefined ? {} : { expiration: identity.expiration }),
    };
  };
}
