import { createHash } from "node:crypto";
import type { Logger } from "pino";
import { decide, type Allow, type Decision, type DecisionContext } from "../../src/decision";
import { errorXml, s3Error, type S3Error } from "../../src/errors";
import { parseJwksText } from "../../src/keys/jwks";
import { buildKeyring, signingKeyAgeSeconds, type Keyring } from "../../src/keys/keyring";
import type { ClassifyOptions } from "../../src/s3/classify";
import type { GatewayRequest } from "../../src/s3/request";
import { compactTokenProblem } from "../../src/token/compact";
import { tokenPolicy, type TokenPolicy } from "../../src/token/policy";
import { verifyToken, type VerifyResult } from "../../src/token/verify";
import type { AuthorizerConfig } from "./config";
import { denyListFingerprint, EMPTY_DENY_LIST, parseDenyList, type DenyList } from "./deny-list";
import { EmfReporter } from "./emf";
import { AuthorizerMetrics } from "./metrics";
import { PolledDocument, Poller, type RefreshEvent } from "./polled-document";
import { RateLimiter } from "./rate-limiter";
import type { TextSource } from "./text-source";
import { TokenCache } from "./token-cache";

/**
 * Extra headers for an allowed request: the upstream signer plugs in here (one place). Envoy copies
 * the ones in its `allowed_upstream_headers` onto the request it forwards to S3. A throw denies.
 */
export type AllowHook = (decision: Allow, context: { readonly requestId: string; readonly now: Date }) => Promise<Record<string, string>> | Record<string, string>;

export interface AuthorizerOptions {
  readonly config: AuthorizerConfig;
  /** Where the JWKS is read from. */
  readonly keySource: TextSource;
  /** Where the deny list is read from. @default none: nothing is revoked */
  readonly denyListSource?: TextSource;
  readonly logger: Logger;
  /** Milliseconds since the epoch; tests pass a controllable clock. @default Date.now */
  readonly clock?: () => number;
  /** Where EMF lines go (stdout in the container). @default EMF disabled */
  readonly emfWrite?: (line: string) => void;
  /** @default no extra headers on allow */
  readonly onAllow?: AllowHook;
  /** Adds Node process metrics to `/metrics`. @default false */
  readonly defaultMetrics?: boolean;
}

/** What the check port answers. */
export interface CheckResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A denial decided outside `decide` (readiness, rate limit, request framing, internal errors). */
export interface LocalDeny {
  readonly error: S3Error;
  readonly reason: string;
}

/** Seconds the first load is retried at while no keys are loaded yet. */
export const INITIAL_RETRY_SECONDS = 5;

const NOT_READY = (what: string) =>
  s3Error("AccessDenied", `the gateway cannot verify tokens right now (${what}); retry later`);

function sha256(token: string): string {
  return createHash("sha256").update(token).digest("base64");
}

/**
 * The authorizer: keys and deny list (polled, break-glass refresh on unknown kid), the verified-token
 * cache, the per-subject rate limit, and the decision log and metrics around the pure `decide`.
 * It has no HTTP in it (see server.ts), so the benchmark and tests can drive it directly.
 */
export class Authorizer {
  readonly config: AuthorizerConfig;
  readonly keys: PolledDocument<Keyring>;
  readonly denyList: PolledDocument<DenyList> | undefined;
  readonly cache: TokenCache;
  readonly metrics: AuthorizerMetrics;
  readonly emf: EmfReporter | undefined;
  private readonly limiter: RateLimiter;
  private readonly logger: Logger;
  private readonly clock: () => number;
  private readonly onAllow: AllowHook | undefined;
  private readonly classifyOptions: ClassifyOptions;
  private readonly pollers: Poller[] = [];
  private policyCache: { list: DenyList; policy: TokenPolicy } | undefined;
  private lastBreakGlassMs: number | undefined;
  private breakGlassInFlight: Promise<void> | undefined;
  private draining = false;
  private inFlightChecks = 0;

  constructor(options: AuthorizerOptions) {
    const { config } = options;
    this.config = config;
    this.logger = options.logger;
    this.clock = options.clock ?? Date.now;
    this.onAllow = options.onAllow;
    this.classifyOptions = config.virtualHostDomain === undefined ? {} : { virtualHostDomain: config.virtualHostDomain };
    this.cache = new TokenCache(config.tokenCacheSize);
    this.limiter = new RateLimiter(config.rateLimitPerSecond, config.rateLimitBurst);
    const stalenessLimitMs = config.stalenessLimitSeconds * 1000;
    const onRefresh = (event: RefreshEvent) => this.logRefresh(event);
    this.keys = new PolledDocument<Keyring>({
      name: "keys",
      source: options.keySource,
      parse: (text, source) => buildKeyring(parseJwksText(text, source)),
      fingerprint: (keyring) => keyring.fingerprint,
      stalenessLimitMs,
      clock: this.clock,
      onRefresh,
      onChange: () => this.cache.clear(),
    });
    this.denyList =
      options.denyListSource === undefined
        ? undefined
        : new PolledDocument<DenyList>({
            name: "deny-list",
            source: options.denyListSource,
            parse: parseDenyList,
            fingerprint: denyListFingerprint,
            stalenessLimitMs,
            clock: this.clock,
            onRefresh,
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
    this.emf = options.emfWrite === undefined ? undefined : new EmfReporter(
            options.emfWrite,
            {
              keyAgeSeconds: () => this.keys.ageSeconds(),
              signingKeyAgeSeconds: () => signingKeyAgeSeconds(this.keys.value, this.clock() / 1000),
            },
            this.clock,
          );
  }

  /** Loads keys and deny list once, then polls them; starts the EMF timer. Resolves after the first attempts. */
  async start(): Promise<void> {
    const intervalMs = this.config.refreshIntervalSeconds * 1000;
    const retryMs = INITIAL_RETRY_SECONDS * 1000;
    for (const document of [this.keys, this.denyList]) {
      if (document) this.pollers.push(new Poller(document as PolledDocument<unknown>, intervalMs, retryMs));
    }
    await Promise.all(this.pollers.map((p) => p.start()));
    this.emf?.start(this.config.emfIntervalSeconds * 1000);
  }

  /** Stops polling and writes the last EMF window. */
  stop(): void {
    for (const poller of this.pollers.splice(0)) poller.stop();
    this.emf?.stop();
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
    const problems: string[] = [];
    if (this.draining) problems.push("shutting down");
    for (const document of [this.keys, this.denyList]) {
      if (!document || document.fresh(nowMs)) continue;
      const age = document.ageSeconds(nowMs);
      const error = document.lastError ? `; last error: ${document.lastError.message}` : "";
      problems.push(age === undefined ? `${document.name} not loaded yet${error}` : `${document.name} stale (last loaded ${Math.round(age)}s ago)${error}`);
    }
    return { ready: problems.length === 0, problems };
  }

  private policy(list: DenyList): TokenPolicy {
    if (this.policyCache?.list !== list) {
      const { config } = this;
      this.policyCache = {
        list,
        policy: tokenPolicy({
          issuer: config.issuer,
          audience: config.audience,
          algorithms: config.algorithms,
          clockSkewSeconds: config.clockSkewSeconds,
          maxLifetimeSeconds: config.maxTokenLifetimeSeconds,
          deniedJtis: list.jtis,
          deniedSubjects: list.subs,
        }),
      };
    }
    return this.policyCache.policy;
  }

  /** Why checks cannot be judged right now (keys or deny list missing or stale), or undefined. */
  private notReady(nowMs: number): LocalDeny | undefined {
    if (!this.keys.fresh(nowMs)) {
      const loaded = this.keys.value !== undefined;
      return { reason: loaded ? "keys-stale" : "keys-not-loaded", error: NOT_READY(loaded ? "its keys are stale" : "its keys are not loaded yet") };
    }
    if (this.denyList && !this.denyList.fresh(nowMs)) {
      return { reason: "deny-list-stale", error: NOT_READY("its revocation list is stale") };
    }
    return undefined;
  }

  private context(nowMs: number, trace: { cache?: "hit" | "miss" }): DecisionContext {
    const keyring = this.keys.value as Keyring;
    const policy = this.policy(this.denyList?.value ?? EMPTY_DENY_LIST);
    const generation = this.cache.generation;
    const now = new Date(nowMs);
    const verify = async (token: string): Promise<VerifyResult> => {
      // `decide` refuses other spellings first; checked again here so the cache only ever holds
      // canonical tokens (one entry per token), whoever calls this.
      if (compactTokenProblem(token) !== undefined) return verifyToken(token, keyring, policy, now);
      const key = sha256(token);
      const hit = this.cache.get(key, nowMs);
      trace.cache = hit ? "hit" : "miss";
      this.metrics.cacheLookup(hit !== undefined);
      this.emf?.cacheLookup(hit !== undefined);
      if (hit) return { ok: true, token: hit };
      const result = await verifyToken(token, keyring, policy, now);
      if (result.ok) this.cache.set(key, result.token, nowMs, generation);
      return result;
    };
    return { verify, classify: this.classifyOptions, now };
  }

  /**
   * An unknown kid may be a key published after the last poll: refresh at once, at most once per
   * interval. Checks arriving while that refresh runs wait for it instead of being denied.
   */
  private async breakGlass(nowMs: number): Promise<void> {
    if (this.breakGlassInFlight) return this.breakGlassInFlight;
    const intervalMs = this.config.breakGlassIntervalSeconds * 1000;
    if (this.lastBreakGlassMs !== undefined && nowMs - this.lastBreakGlassMs < intervalMs) return;
    this.lastBreakGlassMs = nowMs;
    this.breakGlassInFlight = this.keys.refresh("break-glass").then(() => {
      this.breakGlassInFlight = undefined;
    });
    return this.breakGlassInFlight;
  }

  /**
   * Judges one request. Never throws and never answers 5xx: an unexpected error is logged and
   * answered 403 AccessDenied (fail closed; a 5xx would become Envoy's `status_on_error`).
   * `started` is `process.hrtime.bigint()` at the request's arrival.
   */
  async check(request: GatewayRequest, requestId: string, started: bigint = process.hrtime.bigint(), framingDeny?: LocalDeny): Promise<CheckResponse> {
    this.inFlightChecks++;
    const trace: { cache?: "hit" | "miss" } = {};
    let decision: Decision | undefined;
    let local: LocalDeny | undefined = framingDeny;
    let extraHeaders: Record<string, string> = {};
    try {
      const nowMs = this.clock();
      local ??= this.notReady(nowMs);
      if (!local) {
        const keysUsed = this.keys.fingerprint;
        decision = await decide(request, this.context(nowMs, trace));
        if (!decision.allow && decision.reason === "unknown-kid") {
          await this.breakGlass(nowMs);
          if (this.keys.fingerprint !== keysUsed) decision = await decide(request, this.context(nowMs, trace));
        }
        if (decision.token !== undefined) {
          const rate = this.limiter.take(decision.token.subject, nowMs);
          if (!rate.ok) {
            this.metrics.rateLimit();
            this.emf?.rateLimit();
            local = {
              reason: "rate-limited",
              error: s3Error("SlowDown", `too many requests for subject '${decision.token.subject}'; retry after ${rate.retryAfterSeconds}s`),
            };
            extraHeaders = { "retry-after": String(rate.retryAfterSeconds) };
          }
        }
        if (!local && decision.allow && this.onAllow) extraHeaders = await this.onAllow(decision, { requestId, now: new Date(nowMs) });
      }
    } catch (error) {
      this.logger.error({ event: "check_failed", request_id: requestId, err: error }, "check failed; denied (fail closed)");
      local = { reason: "internal-error", error: s3Error("AccessDenied", "internal error in the gateway; the request was denied, retry later") };
      extraHeaders = {};
    } finally {
      this.inFlightChecks--;
    }
    const response = this.respond(decision, local, requestId, extraHeaders);
    this.record(decision, local, requestId, started, response.status, trace);
    return response;
  }

  private respond(decision: Decision | undefined, local: LocalDeny | undefined, requestId: string, extraHeaders: Record<string, string>): CheckResponse {
    if (!local && decision?.allow) return { status: 200, headers: extraHeaders, body: "" };
    const error = local?.error ?? (decision && !decision.allow ? decision.error : s3Error("AccessDenied", "internal error in the gateway; the request was denied"));
    return {
      status: error.status,
      headers: { "content-type": "application/xml", "x-amz-request-id": requestId, ...extraHeaders },
      body: errorXml(error, requestId),
    };
  }

  private record(decision: Decision | undefined, local: LocalDeny | undefined, requestId: string, started: bigint, status: number, trace: { cache?: "hit" | "miss" }): void {
    const latencyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const allowed = !local && decision?.allow === true;
    const result = allowed ? "allow" : "deny";
    const reason = local?.reason ?? (decision && !decision.allow ? decision.reason : "allowed");
    this.metrics.decision(result, reason, latencyMs / 1000);
    this.emf?.decision(result, latencyMs);
    const level = allowed ? "info" : "warn";
    if (!this.logger.isLevelEnabled(level)) return;
    const classified = decision?.request;
    const token = decision?.token;
    const error = local?.error ?? (decision && !decision.allow ? decision.error : undefined);
    this.logger[level]({
      event: "decision",
      request_id: requestId,
      decision: result,
      status,
      reason,
      ...(error ? { code: error.code, message: error.message } : {}),
      operation: classified?.operation,
      bucket: classified?.bucket,
      key: classified?.key,
      sub: token?.subject,
      jti: token?.jti,
      kid: token?.kid,
      token_fp: token?.fingerprint,
      token_place: decision?.allow ? decision.tokenPlace : undefined,
      cache: trace.cache,
      latency_ms: Math.round(latencyMs * 1000) / 1000,
    });
  }

  private logRefresh(event: RefreshEvent): void {
    this.metrics.refresh(event.document, event.trigger, event.outcome.ok);
    const document = event.document === "keys" ? this.keys : this.denyList;
    const base = { event: "refresh", document: event.document, trigger: event.trigger, duration_ms: event.durationMs };
    if (event.outcome.ok) {
      const keyring = event.document === "keys" ? this.keys.value : undefined;
      this.logger[event.outcome.changed || event.trigger === "start" ? "info" : "debug"]({
        ...base,
        result: "ok",
        changed: event.outcome.changed,
        fingerprint: document?.fingerprint,
        ...(keyring ? { kids: [...keyring.keys.values()].map((k) => `${k.kid}:${k.state}`) } : {}),
      });
    } else {
      const age = document?.ageSeconds();
      this.logger.error({
        ...base,
        result: "error",
        error: event.outcome.error.message,
        age_seconds: age === undefined ? null : Math.round(age),
        fresh: document?.fresh() ?? false,
      }, `${event.document} refresh failed; ${document?.value === undefined ? "nothing loaded yet, denying every check" : "keeping the last good version until the staleness limit"}`);
    }
  }
}
