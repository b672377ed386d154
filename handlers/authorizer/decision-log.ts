import type { Logger } from "pino";
import { allowed, denialError, type CheckOutcome } from "./check-response";
import { decisionLineFields, decisionLineObject, type DecisionLineFields } from "./decision-line";
import type { EmfReporter } from "./emf";
import { rawLineWriter, type RawLineWriter } from "./logger";
import type { AuthorizerMetrics } from "./metrics";
import type { RefreshEvent } from "./polled-document";
import { SAMPLING_OFF, type DecisionSampling } from "../../src/runtime-settings/runtime-document";
import type { GatewayRequest } from "../../src/s3/request";
import { isSampled, sampledInput, samplingEnabled } from "./sampling";
import { traceIdOf, type CheckTracer, type TraceIds } from "./tracing";
import type { DocumentStatus } from "./trust-state";

/** One judged check, as the log line and the metrics see it. */
export interface CheckRecord extends CheckOutcome {
  readonly requestId: string;
  /** `process.hrtime.bigint()` at the request's arrival. */
  readonly started: bigint;
  /** The status the check port answered. */
  readonly status: number;
  /** Whether the verified-token cache answered; unset when no token was verified. */
  readonly cache?: "hit" | "miss";
  /** The request judged, for sampled decision lines (sampling.ts). @default not sampled */
  readonly request?: GatewayRequest;
}

/**
 * Where the authorizer reports what it did: one JSON log line per decision and per refresh, the
 * Prometheus counters and histogram, and the EMF window (when enabled). No decision is made here.
 */
export class DecisionLog {
  /** Which decision lines carry the redacted request (runtime settings). @default off */
  sampling: DecisionSampling = SAMPLING_OFF;

  constructor(
    private readonly logger: Logger,
    private readonly metrics: AuthorizerMetrics,
    private readonly emf: EmfReporter | undefined,
    private readonly tracer?: CheckTracer,
  ) {
    this.rawLine = rawLineWriter(logger);
  }

  /** The logger's raw writer (logger.ts), when it has one: decision lines skip pino's generic serializer. */
  private readonly rawLine: RawLineWriter | undefined;

  /** A check's decision: counted, timed, and logged at info (allow) or warn (deny). */
  decision(record: CheckRecord): void {
    const latencyMs = Number(process.hrtime.bigint() - record.started) / 1e6;
    const { decision, local } = record;
    const result = allowed(record) ? "allow" : "deny";
    const reason = local?.reason ?? (decision && !decision.allow ? decision.reason : "allowed");
    this.metrics.decision(result, reason, latencyMs / 1000);
    this.emf?.decision(result, latencyMs);
    const classified = decision?.request;
    const ids = this.trace(record, result, reason, latencyMs, classified?.operation);
    const level = result === "allow" ? "info" : "warn";
    if (!this.logger.isLevelEnabled(level)) return;
    const token = decision?.token;
    const error = denialError(record);
    const fields: DecisionLineFields = {
      requestId: record.requestId,
      decision: result,
      status: record.status,
      reason,
      error,
      operation: classified?.operation,
      bucket: classified?.bucket,
      key: classified?.key,
      token,
      tokenPlace: decision?.allow ? decision.tokenPlace : undefined,
      cache: record.cache,
      latencyMs: Math.round(latencyMs * 1000) / 1000,
      traceId: ids?.traceId,
      spanId: ids?.spanId,
    };
    const sampled = record.request !== undefined && samplingEnabled(this.sampling) && isSampled(this.sampling, token?.subject);
    if (sampled) {
      // A sampled line carries request input: it goes through pino, whose redaction is the second layer.
      this.logger[level]({ ...decisionLineObject(fields), sampled: true, input: sampledInput(record.request as GatewayRequest) });
    } else if (this.rawLine) {
      this.rawLine(level, decisionLineFields(fields));
    } else {
      this.logger[level](decisionLineObject(fields));
    }
  }

  /** The check's span when tracing exports; else the trace id its headers name, if any. */
  private trace(record: CheckRecord, result: "allow" | "deny", reason: string, latencyMs: number, operation: string | undefined): Partial<TraceIds> | undefined {
    const request = record.request;
    if (request === undefined) return undefined;
    if (this.tracer === undefined) {
      const traceId = traceIdOf(request.headers);
      return traceId === undefined ? undefined : { traceId };
    }
    const endMs = Date.now();
    return this.tracer.record({
      headers: request.headers,
      method: request.method,
      startMs: endMs - latencyMs,
      endMs,
      status: record.status,
      decision: result,
      reason,
      operation,
      cache: record.cache,
    });
  }

  /** A lookup in the verified-token cache. */
  cacheLookup(hit: boolean): void {
    this.metrics.cacheLookup(hit);
    this.emf?.cacheLookup(hit);
  }

  /** A check refused by the per-subject rate limit. */
  rateLimit(): void {
    this.metrics.rateLimit();
    this.emf?.rateLimit();
  }

  /** An unexpected error while judging a check; the check is denied (fail closed). */
  checkFailed(requestId: string, error: unknown): void {
    this.logger.error({ event: "check_failed", request_id: requestId, err: error }, "check failed; denied (fail closed)");
  }

  /** A refresh of the keys or the deny list: counted, logged at info when it changed something, error when it failed. */
  refresh(event: RefreshEvent, status: DocumentStatus): void {
    this.metrics.refresh(event.document, event.trigger, event.outcome.ok);
    const base = { event: "refresh", document: event.document, trigger: event.trigger, duration_ms: event.durationMs };
    if (event.outcome.ok) {
      this.logger[event.outcome.changed || event.trigger === "start" ? "info" : "debug"]({
        ...base,
        result: "ok",
        changed: event.outcome.changed,
        fingerprint: status.fingerprint,
        ...(status.kids ? { kids: status.kids } : {}),
      });
    } else {
      const age = status.ageSeconds;
      this.logger.error({
        ...base,
        result: "error",
        error: event.outcome.error.message,
        age_seconds: age === undefined ? null : Math.round(age),
        fresh: status.fresh,
      }, `${event.document} refresh failed; ${status.loaded ? "keeping the last good version until the staleness limit" : "nothing loaded yet, denying every check"}`);
    }
  }
}
