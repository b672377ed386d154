import type { ServerResponse } from "node:http";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ATTR_HTTP_REQUEST_METHOD, ATTR_HTTP_RESPONSE_STATUS_CODE } from "@opentelemetry/semantic-conventions";
import { createTracerProvider, formatTraceparent, parentSpanContext, TRACEPARENT_HEADER } from "../../handlers/authorizer/tracing";
import { AUTHORIZER_CLUSTER } from "../../envoy-templates/bootstrap";
import { ENVOY_SERVICE_NAME } from "../../src/contracts/telemetry";

/**
 * The Envoy emulator's spans, shaped like those of Envoy's OpenTelemetry tracer
 * (`envoy.tracers.opentelemetry`, https://www.envoyproxy.io/docs/envoy/latest/intro/arch_overview/observability/tracing):
 * the connection manager starts a server span per request, continuing a `traceparent` the client
 * sent; the ext_authz HTTP client makes a child span named `async <cluster> egress` and sends its
 * context to the authorizer as `traceparent` (envoyproxy/envoy,
 * source/extensions/filters/common/ext_authz/ext_authz_http_impl.cc: `setParentSpan`,
 * `setChildSpanName`; the async client injects the child's context into the check's headers).
 */

export interface GatewayTracing {
  /** OTLP/HTTP traces URL. */
  readonly endpoint: string;
  /** Share of new traces recorded, 0-1 (Envoy's `random_sampling`, as a fraction). */
  readonly samplingRatio: number;
  /** @default GATEWAY_SERVICE_NAME */
  readonly serviceName?: string;
}

/** `service.name` of the gateway's spans: the same name the Envoy bootstrap gives its tracer. */
export const GATEWAY_SERVICE_NAME = ENVOY_SERVICE_NAME;
/** Name of the check's child span, as Envoy names the ext_authz call's span. */
export const CHECK_CHILD_SPAN_NAME = `async ${AUTHORIZER_CLUSTER} egress`;
/** Name of a request's span (Envoy's default operation name for an ingress listener). */
export const REQUEST_SPAN_NAME = "ingress";

export interface TracedRequest {
  /** The `traceparent` to send with the check: the child span's context. */
  readonly checkTraceparent: string;
  /** Ends the check's span with the authorizer's status (undefined: no answer). */
  checkEnded(status: number | undefined): void;
}

export interface GatewaySpans {
  /** Starts a request's span and its check's child span; the request's ends when `response` closes. */
  request(clientTraceparent: string | undefined, method: string, response: ServerResponse): TracedRequest;
  shutdown(): Promise<void>;
}

export function gatewaySpans(options: GatewayTracing): GatewaySpans {
  const serviceName = options.serviceName ?? GATEWAY_SERVICE_NAME;
  const provider = createTracerProvider({ endpoint: options.endpoint, samplingRatio: options.samplingRatio, serviceName });
  const tracer = provider.getTracer(serviceName);
  return {
    request(clientTraceparent, method, response) {
      // Envoy's OpenTelemetry tracer reads only the W3C header.
      const parent = clientTraceparent === undefined ? undefined : parentSpanContext({ [TRACEPARENT_HEADER]: clientTraceparent }, () => false);
      const parentContext = parent === undefined ? ROOT_CONTEXT : trace.setSpanContext(ROOT_CONTEXT, parent);
      const span = tracer.startSpan(REQUEST_SPAN_NAME, { kind: SpanKind.SERVER, attributes: { [ATTR_HTTP_REQUEST_METHOD]: method } }, parentContext);
      response.once("close", () => {
        span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, response.statusCode);
        if (response.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
      });
      const child = tracer.startSpan(CHECK_CHILD_SPAN_NAME, { kind: SpanKind.CLIENT }, trace.setSpan(ROOT_CONTEXT, span));
      return {
        checkTraceparent: formatTraceparent(child.spanContext()),
        checkEnded(status) {
          if (status === undefined) child.setStatus({ code: SpanStatusCode.ERROR, message: "no answer from the authorizer" });
          else child.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
          child.end();
        },
      };
    },
    async shutdown() {
      // A receiver that is gone must not keep the emulator from closing.
      await provider.shutdown().catch(() => undefined);
    },
  };
}
