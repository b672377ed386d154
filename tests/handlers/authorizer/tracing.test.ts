import { TraceFlags } from "@opentelemetry/api";
import { InMemorySpanExporter } from "@opentelemetry/sdk-trace-base";
import fc from "fast-check";
import {
  albTraceId,
  CHECK_ATTRIBUTES,
  CHECK_SPAN_NAME,
  CheckTracer,
  formatTraceparent,
  parentSpanContext,
  traceIdOf,
  type CheckSpan,
} from "../../../handlers/authorizer/tracing";
import { parseConfig } from "../../../handlers/authorizer/config";
import { authorizerEnvironment } from "../../../src/contracts/authorizer-environment";
import { jwksText, keyPair, MemorySource, mint, startHarness } from "./support";

const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT = "00f067aa0ba902b7";
const never = () => false;

describe("parentSpanContext", () => {
  it("continues a valid traceparent with its sampling flag", () => {
    expect(parentSpanContext({ traceparent: `00-${TRACE}-${PARENT}-01` }, never)).toEqual({ traceId: TRACE, spanId: PARENT, traceFlags: TraceFlags.SAMPLED, isRemote: true });
    expect(parentSpanContext({ traceparent: `00-${TRACE}-${PARENT}-00` }, () => true)?.traceFlags).toBe(TraceFlags.NONE);
  });

  it.each([
    ["an all-zero trace id", `00-${"0".repeat(32)}-${PARENT}-01`],
    ["an all-zero span id", `00-${TRACE}-${"0".repeat(16)}-01`],
    ["a short trace id", `00-${TRACE.slice(2)}-${PARENT}-01`],
    ["version ff", `ff-${TRACE}-${PARENT}-01`],
    ["garbage", "not a traceparent"],
  ])("ignores a traceparent with %s", (_, traceparent) => {
    expect(parentSpanContext({ traceparent }, never)).toBeUndefined();
  });

  it("falls back to the ALB's X-Amzn-Trace-Id: its Root is the trace id, its Parent the parent", () => {
    const amzn = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1";
    expect(parentSpanContext({ "x-amzn-trace-id": amzn }, never)).toEqual({
      traceId: "5759e988bd862e3fe1be46a994272793",
      spanId: "53995c3f42cd8ad8",
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(albTraceId({ "x-amzn-trace-id": amzn })).toBe("1-5759e988-bd862e3fe1be46a994272793");
  });

  it("gives a parentless ALB header a new parent span id and lets the ratio decide its sampling", () => {
    const context = parentSpanContext({ "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793" }, () => true);
    expect(context?.traceId).toBe("5759e988bd862e3fe1be46a994272793");
    expect(context?.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(context?.traceFlags).toBe(TraceFlags.SAMPLED);
  });

  it("prefers traceparent (Envoy's span) over the ALB's header", () => {
    expect(traceIdOf({ traceparent: `00-${TRACE}-${PARENT}-01`, "x-amzn-trace-id": "Root=1-5759e988-bd862e3fe1be46a994272793" })).toBe(TRACE);
    expect(traceIdOf({ "x-amzn-trace-id": "Self=1-5759e988-bd862e3fe1be46a994272793" })).toBeUndefined();
    expect(traceIdOf({})).toBeUndefined();
  });

  it("formats what it reads back (property)", () => {
    const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n }).filter((s) => !/^0+$/.test(s));
    fc.assert(
      fc.property(hex(32), hex(16), fc.boolean(), (traceId, spanId, sampled) => {
        const context = { traceId, spanId, traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE, isRemote: true };
        expect(parentSpanContext({ traceparent: formatTraceparent(context) }, never)).toEqual(context);
      }),
    );
  });
});

const check = (overrides: Partial<CheckSpan> = {}): CheckSpan => ({
  headers: { traceparent: `00-${TRACE}-${PARENT}-01` },
  method: "GET",
  startMs: 1_900_000_000_000,
  endMs: 1_900_000_000_004,
  status: 200,
  decision: "allow",
  reason: "allowed",
  operation: "GetObject",
  cache: "hit",
  ...overrides,
});

describe("CheckTracer", () => {
  it("records one span per check in the caller's trace, with the decision attributes", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new CheckTracer({ endpoint: "http://127.0.0.1:1/v1/traces", samplingRatio: 0, serviceName: "test" }, exporter);
    const ids = tracer.record(check());
    await tracer.flush();
    const [span] = exporter.getFinishedSpans();
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    expect(span!.name).toBe(CHECK_SPAN_NAME);
    expect(span!.spanContext()).toMatchObject({ traceId: TRACE, spanId: ids.spanId });
    expect(span!.parentSpanContext?.spanId).toBe(PARENT);
    expect(span!.attributes).toEqual({
      "http.request.method": "GET",
      "http.response.status_code": 200,
      [CHECK_ATTRIBUTES.decision]: "allow",
      [CHECK_ATTRIBUTES.reason]: "allowed",
      [CHECK_ATTRIBUTES.operation]: "GetObject",
      [CHECK_ATTRIBUTES.cache]: "hit",
    });
    expect(span!.duration).toEqual([0, 4_000_000]);
    await tracer.shutdown();
  });

  it("follows the parent's decision not to sample, and still names the trace", async () => {
    const exporter = new InMemorySpanExporter();
    const tracer = new CheckTracer({ endpoint: "http://127.0.0.1:1/v1/traces", samplingRatio: 1, serviceName: "test" }, exporter);
    const ids = tracer.record(check({ headers: { traceparent: `00-${TRACE}-${PARENT}-00` } }));
    await tracer.flush();
    expect(exporter.getFinishedSpans()).toHaveLength(0);
    expect(ids.traceId).toBe(TRACE);
    await tracer.shutdown();
  });

  it("samples new traces at the ratio", async () => {
    const exporter = new InMemorySpanExporter();
    const off = new CheckTracer({ endpoint: "http://127.0.0.1:1/v1/traces", samplingRatio: 0, serviceName: "test" }, exporter);
    const on = new CheckTracer({ endpoint: "http://127.0.0.1:1/v1/traces", samplingRatio: 1, serviceName: "test" }, exporter);
    off.record(check({ headers: {} }));
    on.record(check({ headers: {} }));
    await Promise.all([off.flush(), on.flush()]);
    expect(exporter.getFinishedSpans()).toHaveLength(1);
    await Promise.all([off.shutdown(), on.shutdown()]);
  });
});

describe("decision lines and traces", () => {
  it("carry the trace id of the incoming traceparent even when no spans are exported", async () => {
    const pair = await keyPair();
    const harness = await startHarness({ keySource: new MemorySource(jwksText(pair.publicKey)) });
    try {
      await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, ["read:data/"]), traceparent: `00-${TRACE}-${PARENT}-01` } });
      await harness.check({ path: "/data/a", headers: { "x-amz-security-token": await mint(pair, ["read:data/"]) } });
      const decisions = harness.logs.filter((l) => l.event === "decision");
      expect(decisions.map((d) => d.trace_id)).toEqual([TRACE, undefined]);
      expect(decisions[0]).not.toHaveProperty("span_id");
    } finally {
      await harness.close();
    }
  });
});

describe("tracing settings", () => {
  const base = { RAJEE_JWKS_FILE: "/unused" };
  it("exports nothing unless an endpoint is set, and samples 5% of new traces by default", () => {
    expect(parseConfig(base).tracing).toBeUndefined();
    expect(parseConfig({ ...base, RAJEE_TRACING_ENDPOINT: "http://127.0.0.1:4318/v1/traces" }).tracing).toEqual({ endpoint: "http://127.0.0.1:4318/v1/traces", samplingRatio: 0.05 });
    expect(parseConfig({ ...base, RAJEE_TRACING_ENDPOINT: "http://127.0.0.1:4318/v1/traces", RAJEE_TRACING_SAMPLING_RATIO: "1" }).tracing?.samplingRatio).toBe(1);
  });

  it.each([
    ["RAJEE_TRACING_SAMPLING_RATIO", "1.5", "is not a number in 0-1"],
    ["RAJEE_TRACING_SAMPLING_RATIO", "-0.1", "is not a number in 0-1"],
    ["RAJEE_TRACING_ENDPOINT", "127.0.0.1:4318", "is not a URL"],
    ["RAJEE_TRACING_ENDPOINT", "grpc://127.0.0.1:4317", "is not an http(s) URL"],
  ])("refuses %s=%s", (name, value, message) => {
    expect(() => parseConfig({ ...base, RAJEE_TRACING_ENDPOINT: "http://127.0.0.1:4318/v1/traces", [name]: value })).toThrow(`authorizer: ${name}=${JSON.stringify(value)} ${message}`);
  });

  it("reads back what the infrastructure writes", () => {
    const env = authorizerEnvironment(
      { region: "eu-west-1", checkPort: 9000, adminPort: 9001 },
      {
        jwksSecretArn: "arn:aws:secretsmanager:eu-west-1:111111111111:secret:jwks-AbCdEf",
        issuer: "rajee",
        audience: "rajee",
        maxTokenLifetimeSeconds: 3600,
        clockSkewSeconds: 30,
        s3Region: "eu-west-1",
        s3Endpoint: "s3.eu-west-1.amazonaws.com",
        runtimeParameterName: "/rajee/dev/runtime",
        tracing: { endpoint: "http://127.0.0.1:4318/v1/traces", samplingRatio: 0.25 },
      },
    );
    const config = parseConfig(env);
    expect(config.tracing).toEqual({ endpoint: "http://127.0.0.1:4318/v1/traces", samplingRatio: 0.25 });
    expect(config.runtimeParameter).toBe("/rajee/dev/runtime");
  });
});
