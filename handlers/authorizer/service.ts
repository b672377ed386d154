import type { Logger } from "pino";
import { decideNow, type Allow, type Decision, type DecisionContext } from "../../src/decision";
import { s3Error } from "../../src/errors";
import { signingKeyAgeSeconds } from "../../src/keys/keyring";
import type { ClassifyOptions } from "../../src/s3/classify";
import type { Keyring } from "../../src/keys/keyring";
import type { TokenPolicy } from "../../src/token/policy";
import type { GatewayRequest } from "../../src/s3/request";
import type { VerifyResult } from "../../src/token/verify";
import { verifyCached, type CachedVerifyOptions } from "./cached-verify";
import { respond, type CheckResponse, type LocalDeny } from "./check-response";
import { checkClientSignature, type SignatureDenial } from "./client-signature";
import type { AuthorizerConfig } from "./config";
import { DecisionLog } from "./decision-log";
import { EmfReporter } from "./emf";
import { AuthorizerMetrics } from "./metrics";
import type { RuntimeSettings } from "../../src/runtime-settings/runtime-document";
import { RateLimiter } from "./rate-limiter";
import { sourceFor, type TextSource } from "./text-source";
import { TokenCache } from "./token-cache";
import type { CheckTracer } from "./tracing";
import { TrustState } from "./trust-state";

export type { LocalDeny } from "./check-response";

/**
 * Extra headers for an allowed request: the upstream signer plugs in here (one place). Envoy copies
 * the ones in its `allowed_upstream_headers` onto the request it forwards to S3. A throw denies.
 */
export type AllowHook = ((decision: Allow, context: { readonly requestId: string; readonly now: Date }) => Promise<Record<string, string>> | Record<string, string>) & {
  /**
   * Why the hook cannot serve an allowed check now (the upstream signer without valid credentials),
   * as `/readyz` lists its reasons; called by every readiness probe. @default always able
   */
  readonly problems?: (nowMs: number) => string[];
};

export interface AuthorizerOptions {
  readonly config: AuthorizerConfig;
  /** Where the JWKS is read from. */
  readonly keySource: TextSource;
  /** Where the deny list is read from. @default none: nothing is revoked */
  readonly denyListSource?: TextSource;
  /** Where the private binding keys are read from. @default the config's bindingKeySource (file or secret); none when it names none */
  readonly bindingKeySource?: TextSource;
  readonly logger: Logger;
  /** Milliseconds since the epoch; tests pass a controllable clock. @default Date.now */
  readonly clock?: () => number;
  /** Where EMF lines go (stdout in the container). @default EMF disabled */
  readonly emfWrite?: (line: string) => void;
  /** @default no extra headers on allow */
  readonly onAllow?: AllowHook;
  /** Adds Node process metrics to `/metrics`. @default false */
  readonly defaultMetrics?: boolean;
  /** Records a span per check (tracing.ts). @default none: log lines carry the incoming trace id only */
  readonly tracer?: CheckTracer;
}

/** What one check learnt on the way, for its log line. */
interface CheckTrace {
  cache?: "hit" | "miss";
  /** The client-signature refusal, when the token verified but the request's signature did not. */
  signature?: SignatureDenial;
}

/** One check as it is judged: what `finish` answers and logs. */
interface CheckState {
  readonly requestId: string;
  readonly started: bigint;
  readonly request: GatewayRequest;
  readonly trace: CheckTrace;
  decision: Decision | undefined;
  local: LocalDeny | undefined;
  extraHeaders: Record<string, string>;
}

const NO_HEADERS: Record<string, string> = Object.freeze({}) as Record<string, string>;
const INTERNAL_ERROR: LocalDeny = Object.freeze({ reason: "internal-error", error: s3Error("AccessDenied", "internal error in the gateway; the request was denied, retry later") });

/** A verified token's result once its client signature is judged: a refusal stops `decide` like an invalid token. */
function signatureOutcome(result: VerifyResult & { ok: true }, denial: SignatureDenial | undefined, trace: CheckTrace): VerifyResult {
  if (denial === undefined) return result;
  trace.signature = denial;
  return { ok: false, reason: "client-signature", error: denial.error };
}

/** One check's request-level facts, besides the request itself. */
export interface CheckOptions {
  /** Names the request in the decision log, the error body and `x-amz-request-id`. */
  readonly requestId: string;
  /** `process.hrtime.bigint()` at the request's arrival, for the latency. @default when `check` is called */
  readonly started?: bigint;
  /** A denial already decided while reading the request (its framing): answered without judging. @default none */
  readonly framingDeny?: LocalDeny;
}

/**
 * The authorizer: composes what it trusts (TrustState: keys, deny list, token policy, break-glass),
 * the verified-token cache (cachedVerify over TokenCache), the per-subject rate limit (RateLimiter)
 * and the decision log (DecisionLog: log lines, Prometheus, EMF) around the pure `decide`.
 * It has no HTTP in it (see server.ts), so the benchmark and tests can drive it directly.
 */
export class Authorizer {
  readonly config: AuthorizerConfig;
  readonly cache: TokenCache;
  readonly metrics: AuthorizerMetrics;
  readonly emf: EmfReporter | undefined;
  private readonly trust: TrustState;
  private readonly log: DecisionLog;
  private readonly limiter: RateLimiter;
  private readonly clock: () => number;
  private readonly onAllow: AllowHook | undefined;
  private readonly classifyOptions: ClassifyOptions;
  private readonly checkServices: CheckServices;
  private readonly logger: Logger;
  private draining = false;
  private inFlightChecks = 0;

  constructor(options: AuthorizerOptions) {
    const { config } = options;
    this.config = config;
    this.clock = options.clock ?? Date.now;
    this.onAllow = options.onAllow;
    this.logger = options.logger;
    this.classifyOptions = config.virtualHostDomain === undefined ? {} : { virtualHostDomain: config.virtualHostDomain };
    this.cache = new TokenCache(config.tokenCacheSize);
    this.limiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
    const bindingKeySource = options.bindingKeySource ?? (config.bindingKeySource === undefined ? undefined : sourceFor(config.bindingKeySource));
    this.trust = new TrustState({
      config,
      keySource: options.keySource,
      ...(options.denyListSource === undefined ? {} : { denyListSource: options.denyListSource }),
      ...(bindingKeySource === undefined ? {} : { bindingKeySource }),
      clock: this.clock,
      onRefresh: (event, status) => this.log.refresh(event, status),
      onChange: () => this.cache.clear(),
    });
    this.metrics = new AuthorizerMetrics(
      {
        keyAgeSeconds: () => this.keys.ageSeconds(),
        ...(this.denyList ? { denyListAgeSeconds: () => this.denyList?.ageSeconds() } : {}),
        keysLoaded: () => this.keys.value?.keys.size ?? 0,
        cacheEntries: () => this.cache.size,
        ready: () => this.ready().ready,
        inFlight: () => this.inFlightChecks,
      },
      { defaultMetrics: options.defaultMetrics ?? false },
    );
    this.emf =
      options.emfWrite === undefined
        ? undefined
        : new EmfReporter(
            options.emfWrite,
            {
              keyAgeSeconds: () => this.keys.ageSeconds(),
              signingKeyAgeSeconds: () => signingKeyAgeSeconds(this.keys.value, this.clock() / 1000),
            },
            this.clock,
          );
    this.log = new DecisionLog(options.logger, this.metrics, this.emf, options.tracer);
    this.checkServices = { cache: this.cache, classify: this.classifyOptions, clientSignatures: config.clientSignatures, log: this.log };
  }

  /** The signing keys, polled (TrustState). */
  get keys(): TrustState["keys"] {
    return this.trust.keys;
  }

  /** The deny list, polled, when one is configured (TrustState). */
  get denyList(): TrustState["denyList"] {
    return this.trust.denyList;
  }

  /** Loads keys and deny list once, then polls them; starts the EMF timer. Resolves after the first attempts. */
  async start(): Promise<void> {
    await this.trust.start();
    this.emf?.start(this.config.emfIntervalSeconds * 1000);
  }

  /** Stops polling and writes the last EMF window. */
  stop(): void {
    this.trust.stop();
    this.emf?.stop();
  }

  /**
   * Applies the runtime settings (runtime-settings.ts) that concern checks: the per-subject rate
   * (burst: the configured one at the configured rate, else twice the rate) and decision sampling.
   */
  applyRuntime(settings: RuntimeSettings): void {
    const rate = settings.rateLimitPerSubject;
    this.limiter.configure(rate, rate === this.config.rateLimitPerSecond ? this.config.rateLimitBurst : Math.max(1, 2 * rate));
    this.log.sampling = settings.decisionSampling;
  }

  /** From now on `/readyz` fails, so Envoy sends no new checks; checks that still arrive are answered. */
  startDraining(): void {
    this.draining = true;
  }

  get inFlight(): number {
    return this.inFlightChecks;
  }

  /** Whether `/readyz` passes, and if not, why. */
  ready(nowMs = this.clock()): { ready: boolean; problems: string[] } {
    const problems = [...(this.draining ? ["shutting down"] : []), ...this.trust.problems(nowMs), ...(this.onAllow?.problems?.(nowMs) ?? [])];
    return { ready: problems.length === 0, problems };
  }

  /**
   * Judges one request. Never throws and never answers 5xx: an unexpected error is logged and
   * answered 403 AccessDenied (fail closed; a 5xx would become Envoy's `status_on_error`).
   */
  async check(request: GatewayRequest, options: CheckOptions): Promise<CheckResponse> {
    return this.checkNow(request, options);
  }

  /**
   * `check`, answered synchronously when nothing needs I/O (a token-cache hit whose bound secret is
   * already open, or a refusal before verification): a promise only on a cache miss, a break-glass
   * refresh or an asynchronous `onAllow`. The same rules: never throws, never 5xx, every check logged.
   */
  checkNow(request: GatewayRequest, options: CheckOptions): CheckResponse | Promise<CheckResponse> {
    this.inFlightChecks++;
    const state: CheckState = {
      requestId: options.requestId,
      started: options.started ?? process.hrtime.bigint(),
      request,
      trace: {},
      decision: undefined,
      local: options.framingDeny,
      extraHeaders: NO_HEADERS,
    };
    let pending: Promise<void> | undefined;
    try {
      pending = this.judge(state);
    } catch (error) {
      this.failed(state, error);
    }
    if (pending === undefined) return this.finish(state);
    return pending.then(
      () => this.finish(state),
      (error: unknown) => {
        this.failed(state, error);
        return this.finish(state);
      },
    );
  }

  /** Judges into `state`; a promise only when a step needed one. */
  private judge(state: CheckState): Promise<void> | undefined {
    const nowMs = this.clock();
    state.local ??= this.trust.notReady(nowMs);
    if (state.local) return undefined;
    const keysUsed = this.keys.fingerprint;
    const decided = decideNow(state.request, this.context(state, nowMs));
    if (decided instanceof Promise) return decided.then((decision) => this.afterDecide(state, decision, nowMs, keysUsed));
    return this.afterDecide(state, decided, nowMs, keysUsed);
  }

  private afterDecide(state: CheckState, decision: Decision, nowMs: number, keysUsed: string | undefined): Promise<void> | undefined {
    if (!decision.allow && decision.reason === "unknown-kid") {
      return this.breakGlass(state, nowMs, keysUsed).then((retried) => this.conclude(state, retried ?? decision, nowMs));
    }
    return this.conclude(state, decision, nowMs);
  }

  /** An unknown kid: refresh the keys once (break-glass) and decide again if they changed. */
  private async breakGlass(state: CheckState, nowMs: number, keysUsed: string | undefined): Promise<Decision | undefined> {
    await this.trust.breakGlass(nowMs);
    if (this.keys.fingerprint === keysUsed) return undefined;
    state.trace.signature = undefined;
    return decideNow(state.request, this.context(state, nowMs));
  }

  /** After the decision: the client-signature refusal, the rate limit, the allow hook. */
  private conclude(state: CheckState, decision: Decision, nowMs: number): Promise<void> | undefined {
    state.decision = decision;
    const { trace, requestId } = state;
    if (trace.signature) {
      state.local = { reason: trace.signature.reason, error: trace.signature.error };
      if (trace.signature.detail !== undefined) {
        this.logger.warn({ event: "client_signature", request_id: requestId, reason: trace.signature.reason, detail: trace.signature.detail });
      }
      return undefined;
    }
    if (decision.token !== undefined) {
      const rate = this.limiter.take(decision.token.subject, nowMs);
      if (!rate.ok) {
        this.log.rateLimit();
        state.local = {
          reason: "rate-limited",
          error: s3Error("SlowDown", `too many requests for subject '${decision.token.subject}'; retry after ${rate.retryAfterSeconds}s`),
        };
        state.extraHeaders = { "retry-after": String(rate.retryAfterSeconds) };
        return undefined;
      }
    }
    if (!decision.allow || !this.onAllow) return undefined;
    const headers = this.onAllow(decision, { requestId, now: new Date(nowMs) });
    if (headers instanceof Promise) {
      return headers.then((extra) => {
        state.extraHeaders = extra;
      });
    }
    state.extraHeaders = headers;
    return undefined;
  }

  /** An unexpected error: logged, and the check answered with the documented internal-error denial. */
  private failed(state: CheckState, error: unknown): void {
    this.log.checkFailed(state.requestId, error);
    state.local = INTERNAL_ERROR;
    state.extraHeaders = NO_HEADERS;
  }

  /** The answer and its decision log line (and counts), for every check. */
  private finish(state: CheckState): CheckResponse {
    this.inFlightChecks--;
    const { decision, local, extraHeaders, requestId, started, request, trace } = state;
    const outcome = { decision, local, extraHeaders };
    const response = respond(outcome, requestId);
    this.log.decision({ decision, local, extraHeaders, requestId, started, status: response.status, request, ...(trace.cache ? { cache: trace.cache } : {}) });
    return response;
  }

  /** The decision context of one check (CheckContext), with the keys and deny list of this moment. */
  private context(state: CheckState, nowMs: number): DecisionContext {
    return new CheckContext(state, nowMs, this.checkServices, this.trust.keyring(), this.trust.policy(), this.trust.bindingKeys?.value);
  }
}

/** What every check context of one authorizer shares. */
interface CheckServices {
  readonly cache: TokenCache;
  readonly classify: ClassifyOptions;
  readonly clientSignatures: AuthorizerConfig["clientSignatures"];
  readonly log: DecisionLog;
}

type BindingKeys = Parameters<typeof checkClientSignature>[0]["keyring"];

/**
 * One check's decision context, which is also the options of its cached verification: one object
 * per check where a closure per step used to be built. Its `verify` also checks the client's own
 * SigV4 signature (client-signature.ts) once the token verifies, before `decide` judges any grant:
 * a refusal is kept in `trace.signature` and stops `decide` like an invalid token.
 */
class CheckContext implements DecisionContext, CachedVerifyOptions {
  readonly now: Date;
  readonly classify: ClassifyOptions;
  readonly cache: TokenCache;
  /** The cache generation when the check began: a verification outliving a clear is not stored. */
  private readonly generation: number;

  constructor(
    private readonly state: CheckState,
    readonly nowMs: number,
    private readonly services: CheckServices,
    readonly keyring: Keyring,
    readonly policy: TokenPolicy,
    private readonly bindingKeys: BindingKeys,
  ) {
    this.now = new Date(nowMs);
    this.classify = services.classify;
    this.cache = services.cache;
    this.generation = services.cache.generation;
  }

  readonly verify = (token: string): VerifyResult | Promise<VerifyResult> => {
    const result = verifyCached(token, this, this.generation);
    return result instanceof Promise ? result.then((verified) => this.bound(verified)) : this.bound(result);
  };

  onLookup(hit: boolean): void {
    this.state.trace.cache = hit ? "hit" : "miss";
    this.services.log.cacheLookup(hit);
  }

  private bound(result: VerifyResult): VerifyResult | Promise<VerifyResult> {
    const mode = this.services.clientSignatures;
    if (!result.ok || mode === "off") return result;
    const { trace, request } = this.state;
    const denial = checkClientSignature({ mode, request, token: result.token, keyring: this.bindingKeys, nowMs: this.nowMs });
    return denial instanceof Promise ? denial.then((d) => signatureOutcome(result, d, trace)) : signatureOutcome(result, denial, trace);
  }
}
