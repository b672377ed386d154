import http from "node:http";
import type { AddressInfo } from "node:net";
import { OTLP_TRACES_PATH } from "../../src/contracts/telemetry";
import { readBounded } from "./read-bounded";

/**
 * A local OTLP/HTTP traces receiver for `npm run dev` and tests, in place of the collector the task
 * runs: `POST /v1/traces` with the JSON encoding (OTLP specification, "OTLP/HTTP": JSON-encoded
 * `ExportTraceServiceRequest`, ids as hex strings), which @opentelemetry/exporter-trace-otlp-http
 * sends. Spans are kept in memory and handed to `onSpan`. Protobuf bodies are answered 415: the
 * local senders (the authorizer, the emulator) use JSON.
 */

/** Largest export accepted; the exporters batch at most 512 spans. */
const MAX_EXPORT_BYTES = 8 * 1024 * 1024;

/** One received span, flattened. */
export interface ReceivedSpan {
  readonly serviceName: string;
  readonly name: string;
  readonly traceId: string;
  readonly spanId: string;
  /** Empty for a root span. */
  readonly parentSpanId: string;
  /** Attribute values as sent (strings, numbers, booleans). */
  readonly attributes: Readonly<Record<string, string | number | boolean>>;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>/v1/traces`: the exporters' URL. */
  readonly tracesUrl: string;
  readonly spans: readonly ReceivedSpan[];
  /** The raw bodies received (tests search them for secrets). */
  readonly bodies: readonly string[];
  close(): Promise<void>;
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface KeyValue {
  key: string;
  value?: AnyValue;
}
interface ExportRequest {
  resourceSpans?: { resource?: { attributes?: KeyValue[] }; scopeSpans?: { spans?: { traceId?: string; spanId?: string; parentSpanId?: string; name?: string; attributes?: KeyValue[] }[] }[] }[];
}

function value(v: AnyValue | undefined): string | number | boolean {
  if (v === undefined) return "";
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  return "";
}

function attributes(list: KeyValue[] | undefined): Record<string, string | number | boolean> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));
}

/** The spans of one OTLP/JSON export request. Pure. */
export function spansOf(request: ExportRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((rs) => {
    const serviceName = String(attributes(rs.resource?.attributes)["service.name"] ?? "");
    return (rs.scopeSpans ?? []).flatMap((ss) =>
      (ss.spans ?? []).map((span) => ({
        serviceName,
        name: span.name ?? "",
        traceId: span.traceId ?? "",
        spanId: span.spanId ?? "",
        parentSpanId: span.parentSpanId ?? "",
        attributes: attributes(span.attributes),
      })),
    );
  });
}

export async function startOtlpReceiver(options: { readonly port?: number; readonly onSpan?: (span: ReceivedSpan) => void } = {}): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  const bodies: string[] = [];
  const server = http.createServer((request, response) => {
    const answer = (status: number, body: string) => {
      response.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
      response.end(body);
    };
    if (request.method !== "POST" || (request.url ?? "").split("?")[0] !== OTLP_TRACES_PATH) {
      request.resume();
      return answer(404, `{"message":"POST ${OTLP_TRACES_PATH} only"}`);
    }
    if (!String(request.headers["content-type"] ?? "").startsWith("application/json")) {
      request.resume();
      return answer(415, '{"message":"send OTLP/JSON (application/json)"}');
    }
    void readBounded(request, MAX_EXPORT_BYTES).then((body) => {
      if (body === "too-large") return answer(413, '{"message":"export too large"}');
      const text = body.toString("utf8");
      let parsed: ExportRequest;
      try {
        parsed = JSON.parse(text) as ExportRequest;
      } catch {
        return answer(400, '{"message":"not JSON"}');
      }
      bodies.push(text);
      for (const span of spansOf(parsed)) {
        spans.push(span);
        options.onSpan?.(span);
      }
      answer(200, "{}");
    }, () => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => {
      server.removeListener("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    tracesUrl: `http://127.0.0.1:${port}${OTLP_TRACES_PATH}`,
    spans,
    bodies,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

if (require.main === module) {
  const port = Number(process.argv[2] ?? 4318);
  startOtlpReceiver({
    port,
    onSpan: (s) => process.stdout.write(`${s.traceId} ${s.parentSpanId || "(root)".padEnd(16)} ${s.spanId} ${s.serviceName} ${s.name} ${JSON.stringify(s.attributes)}\n`),
  }).then(
    (r) => process.stdout.write(`OTLP/HTTP receiver on ${r.tracesUrl}; set RAJEE_TRACING_ENDPOINT=${r.tracesUrl}\n`),
    (error: unknown) => {
      process.stderr.write(`otlp-receiver: ${(error as Error).message}\n`);
      process.exit(1);
    },
  );
}
