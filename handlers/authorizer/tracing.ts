import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, TraceFlags, type Context, type SpanContext, type Tracer } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  RandomIdGenerator,
  SamplingDecision,
  TraceIdRatioBasedSampler,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE, ATTR_SERVICE_NAME } from "@opentelemetry/semantic-conventions";
import type { Headers } from "../../src/s3/headers";

/**
 * Tracing of checks with OpenTelemetry (docs/observability.md, "Traces"). Envoy's OpenTelemetry
 * tracer makes a child span for the ext_authz call and sends its context to the authorizer in a
 * W3C `traceparent` header (ext_authz's HTTP client sends the check with the request's span as
 * parent: envoyproxy/envoy source/extensions/filters/common/ext_authz/ext_authz_http_impl.cc,
 * `setParentSpan`). The authorizer continues that trace with one span per check; without a
 * `traceparent` it continues the ALB's `X-Amzn-Trace-Id` when the header reaches it. Spans carry
 * the operation, the decision and the reason, never the token, the path or the headers.
 */

/** The W3C header Envoy sends and the emulator imitates. */
export const TRACEPARENT_HEADER = "traceparent";
/** The ALB's request tracing header (Elastic Load Balancing user guide, "Request tracing for your Application Load Balancer"). */
export const AMZN_TRACE_HEADER = "x-amzn-trace-id";
/** Name of the authorizer's span of one check. */
export const CHECK_SPAN_NAME = "rajee.check";
/** Span attributes of a check; values are enums and names, never request content. */
export const CHECK_ATTRIBUTES = {
  operation: "rajee.operation",
  decision: "rajee.decision",
  reason: "rajee.reason",
  cache: "rajee.token_cache",
  albTraceId: "aws.alb.trace_id",
} as const;

/** How spans leave the process. */
export interface TracingSettings {
  /** OTLP/HTTP traces endpoint, e.g. `http://127.0.0.1:4318/v1/traces` (the collector in the task). */
  readonly endpoint: string;
  /** Share of new traces recorded, 0-1; a trace Envoy already sampled (or not) keeps Envoy's decision. */
  readonly samplingRatio: number;
  /** `service.name` of the spans. */
  readonly serviceName: string;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  get: (carrier: Headers, key: string) => carrier[key],
  keys: (carrier: Headers) => Object.keys(carrier),
};
const X_AMZN_ROOT = /(?:^|;)\s*Root=1-([0-9a-f]{8})-([0-9a-f]{24})\s*(?:;|$)/i;
const X_AMZN_PARENT = /(?:^|;)\s*Parent=([0-9a-f]{16})\s*(?:;|$)/i;
const X_AMZN_SAMPLED = /(?:^|;)\s*Sampled=([01])\s*(?:;|$)/i;
const ids = new RandomIdGenerator();

/**
 * The trace a check belongs to, from its headers: the W3C `traceparent` when valid, else the
 * ALB's `X-Amzn-Trace-Id` (`Root=1-<8 hex>-<24 hex>`, the same 128 bits as a W3C trace id), with
 * its `Parent` when given or a new span id standing for the load balancer. Undefined when neither
 * is usable. `sampledWhenUnknown` decides a trace whose header carries no sampling decision. Pure
 * apart from the span id drawn for a parentless ALB header.
 */
export function parentSpanContext(headers: Headers, sampledWhenUnknown: (traceId: string) => boolean): SpanContext | undefined {
  if (headers[TRACEPARENT_HEADER] !== undefined) {
    const extracted = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, headers, headerGetter));
    if (extracted !== undefined) return extracted;
  }
  const amzn = headers[AMZN_TRACE_HEADER];
  if (amzn === undefined) return undefined;
  const root = X_AMZN_ROOT.exec(amzn);
  if (!root) return undefined;
  const traceId = `${root[1]}${root[2]}`.toLowerCase();
  if (/^0+$/.test(traceId)) return undefined;
  const parent = X_AMZN_PARENT.exec(amzn)?.[1]?.toLowerCase();
  const sampled = X_AMZN_SAMPLED.exec(amzn)?.[1];
  const isSampled = sampled === undefined ? sampledWhenUnknown(traceId) : sampled === "1";
  return {
    traceId,
    spanId: parent !== undefined && !/^0+$/.test(parent) ? parent : ids.generateSpanId(),
    traceFlags: isSampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
}

/** The ALB's trace id in X-Ray form (`1-<8 hex>-<24 hex>`), for a span attribute that finds the ALB's record. */
export function albTraceId(headers: Headers): string | undefined {
  const root = X_AMZN_ROOT.exec(headers[AMZN_TRACE_HEADER] ?? "");
  return root ? `1-${root[1]}-${root[2]}`.toLowerCase() : undefined;
}

/** Seconds-scale batching: spans leave within a second, many per export. */
const EXPORT_DELAY_MS = 1000;
/** Longest wait for one export: the collector is on loopback, and the drain at shutdown waits for the last. */
const EXPORT_TIMEOUT_MS = 2000;

/**
 * A tracer provider exporting OTLP/HTTP JSON in batches, sampling new traces at the ratio and
 * following the parent's decision otherwise (OpenTelemetry SDK "ParentBased" sampler). The Envoy
 * emulator uses the same for its spans.
 */
export function createTracerProvider(settings: TracingSettings, exporter: SpanExporter = new OTLPTraceExporter({ url: settings.endpoint, timeoutMillis: EXPORT_TIMEOUT_MS })): BasicTracerProvider {
  return new BasicTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName }),
    sampler: new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(settings.samplingRatio) }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: EXPORT_DELAY_MS })],
  });
}

/** A span's context as a W3C `traceparent` value (W3C Trace Context, version 00). Pure. */
export function formatTraceparent(context: SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED ? "01" : "00"}`;
}

/** One judged check as its span records it. */
export interface CheckSpan {
  readonly headers: Headers;
  readonly method: string;
  /** Wall-clock start and end, ms since the epoch. */
  readonly startMs: number;
  readonly endMs: number;
  readonly status: number;
  readonly decision: "allow" | "deny";
  readonly reason: string;
  readonly operation: string | undefined;
  readonly cache: "hit" | "miss" | undefined;
}

/** The ids a decision log line carries, so a line leads to its trace and back. */
export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

/**
 * Records one span per check, exporting to OTLP/HTTP in batches. When the parent is not sampled
 * nothing is exported, but the log line still carries the trace id it belongs to.
 */
export class CheckTracer {
  private readonly provider: BasicTracerProvider;
  private readonly tracer: Tracer;
  private readonly ratio: TraceIdRatioBasedSampler;

  constructor(settings: TracingSettings, exporter?: SpanExporter) {
    this.ratio = new TraceIdRatioBasedSampler(settings.samplingRatio);
    this.provider = createTracerProvider(settings, exporter);
    this.tracer = this.provider.getTracer(settings.serviceName);
  }

  /** Records the span of a check that has ended; returns its ids for the log line. */
  record(check: CheckSpan): TraceIds {
    const parent = parentSpanContext(check.headers, (traceId) => this.sampled(traceId));
    const context: Context = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
    const alb = albTraceId(check.headers);
    const span = this.tracer.startSpan(
      CHECK_SPAN_NAME,
      {
        kind: SpanKind.SERVER,
        startTime: check.startMs,
        attributes: {
          [ATTR_HTTP_REQUEST_METHOD]: check.method,
          [ATTR_HTTP_RESPONSE_STATUS_CODE]: check.status,
          [CHECK_ATTRIBUTES.decision]: check.decision,
          [CHECK_ATTRIBUTES.reason]: check.reason,
          ...(check.operation === undefined ? {} : { [CHECK_ATTRIBUTES.operation]: check.operation }),
          ...(check.cache === undefined ? {} : { [CHECK_ATTRIBUTES.cache]: check.cache }),
          ...(alb === undefined ? {} : { [CHECK_ATTRIBUTES.albTraceId]: alb }),
        },
      },
      context,
    );
    if (check.reason === "internal-error") span.setStatus({ code: SpanStatusCode.ERROR, message: "internal error; denied" });
    span.end(check.endMs);
    const { traceId, spanId } = span.spanContext();
    return { traceId, spanId };
  }

  /** Sends the spans still buffered. */
  async flush(): Promise<void> {
    await this.provider.forceFlush();
  }

  /** Sends the spans still buffered and stops exporting. */
  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  private sampled(traceId: string): boolean {
    return this.ratio.shouldSample(ROOT_CONTEXT, traceId).decision === SamplingDecision.RECORD_AND_SAMPLED;
  }
}

/** The trace id a check's headers name (for the log line when spans are not exported); undefined when none. */
export function traceIdOf(headers: Headers): string | undefined {
  return parentSpanContext(headers, () => false)?.traceId;
}
