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
/** Held credentials with less validity left than this are not used: the check waits for new ones, milliseconds. */
export const CREDENTIAL_MIN_VALIDITY_MS = 60_000;
/** Least time between two background refreshes (after a failure, or while the provider still returns the old ones), milliseconds. */
export const CREDENTIAL_RETRY_MS = 10_000;

/**
 * The task role's credentials, held for signing in the check's own turn. `at(now)` answers the held
 * credentials synchronously while they are valid for at least CREDENTIAL_MIN_VALIDITY_MS, starting
 * one background refresh (at most every CREDENTIAL_RETRY_MS) once they expire within
 * CREDENTIAL_REFRESH_AHEAD_MS; with none valid, it answers the refresh itself (a promise, rejected
 * when the provider fails: the check is then denied). Credentials without `expiration` are kept.
 */
export class HeldCredentials {
  private held: ExpiringCredentials | undefined;
  private inFlight: Promise<ExpiringCredentials> | undefined;
  private lastAttemptMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly source: CredentialSource,
    /** Told of a failed background refresh (the held credentials still serve). @default ignored */
    private readonly onRefreshError: (error: Error) => void = () => {},
  ) {}

  at(nowMs: number): Credentials | Promise<Credentials> {
    const held = this.held;
    if (held !== undefined) {
      const leftMs = held.expiration === undefined ? Number.POSITIVE_INFINITY : held.expiration.getTime() - nowMs;
      if (leftMs > CREDENTIAL_MIN_VALIDITY_MS) {
        if (leftMs < CREDENTIAL_REFRESH_AHEAD_MS) this.refreshInBackground(nowMs);
        return held;
      }
    }
    return this.refresh(nowMs);
  }

  /** Starts a refresh unless one is in flight or the last began under CREDENTIAL_RETRY_MS ago; never rejects. */
  refreshInBackground(nowMs: number): void {
    if (this.inFlight !== undefined || nowMs - this.lastAttemptMs < CREDENTIAL_RETRY_MS) return;
    this.refresh(nowMs).catch((error: unknown) => this.onRefreshError(error instanceof Error ? error : new Error(String(error))));
  }

  private refresh(nowMs: number): Promise<ExpiringCredentials> {
    if (this.inFlight !== undefined) return this.inFlight;
    this.lastAttemptMs = nowMs;
    const attempt = this.source().then(
      (credentials) => {
        this.held = credentials;
        this.inFlight = undefined;
        return credentials;
      },
      (error: unknown) => {
        this.inFlight = undefined;
        throw error;
      },
    );
    this.inFlight = attempt;
    return attempt;
  }
}

export interface UpstreamSignerOptions {
  /** Told of a failed background credentials refresh. @default ignored */
  readonly onRefreshError?: (error: Error) => void;
}

/**
 * The allow hook that signs the judged request for S3 (docs/design.md section 5): Envoy copies the
 * returned headers onto the upstream request and removes the ones named in HEADERS_TO_REMOVE.
 * Synchronous while the task role's credentials are held (`HeldCredentials`); the first check, and
 * any after the credentials lapsed, wait for the provider. The credentials are fetched once at
 * construction so the first checks need not. A credentials failure rejects, and the service turns
 * a failing hook into a denial.
 */
export function upstreamSigner(endpoint: S3Endpoint, source: CredentialSource, options: UpstreamSignerOptions = {}): AllowHook {
  const credentials = new HeldCredentials(source, options.onRefreshError);
  credentials.refreshInBackground(Date.now());
  return (decision, context) => {
    const sign = (held: Credentials): Record<string, string> => {
      const signature = signUpstream({ request: decision.received, classified: decision.request, credentials: held, endpoint, now: context.now });
      if (signature.removeHeaders.length === 0) return signature.setHeaders as Record<string, string>;
      return { ...signature.setHeaders, [HEADERS_TO_REMOVE]: signature.removeHeaders.join(",") };
    };
    const held = credentials.at(context.now.getTime());
    return held instanceof Promise ? held.then(sign) : sign(held);
  };
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
