import fc from "fast-check";
import { DecisionLog } from "../../../handlers/authorizer/decision-log";
import { decisionLineFields, decisionLineObject, type DecisionLineFields } from "../../../handlers/authorizer/decision-line";
import { createLogger, rawLineWriter } from "../../../handlers/authorizer/logger";
import { AuthorizerMetrics } from "../../../handlers/authorizer/metrics";
import { s3Error } from "../../../src/errors";
import type { VerifiedToken } from "../../../src/token/verify";

/** What the decision log handed pino before decision lines were written directly: the oracle. */
function asPinoObject(f: DecisionLineFields): Record<string, unknown> {
  return {
    event: "decision",
    request_id: f.requestId,
    decision: f.decision,
    status: f.status,
    reason: f.reason,
    ...(f.error ? { code: f.error.code, message: f.error.message } : {}),
    operation: f.operation,
    bucket: f.bucket,
    key: f.key,
    sub: f.token?.subject,
    jti: f.token?.jti,
    kid: f.token?.kid,
    token_fp: f.token?.fingerprint,
    token_place: f.tokenPlace,
    cache: f.cache,
    latency_ms: f.latencyMs,
    trace_id: f.traceId,
    span_id: f.spanId,
  };
}

function capture(level: "info" | "debug" = "info") {
  const lines: string[] = [];
  return { lines, logger: createLogger(level, { write: (line: string) => void lines.push(line) }) };
}

// Well-formed text of any script, with the characters JSON must escape mixed in. (Lone surrogates are
// left out: pino writes short strings holding one unescaped, JSON.stringify escapes it.)
const text = fc.oneof(fc.string({ unit: "grapheme", maxLength: 30 }), fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\u0000", "\u001f", "\u2028", "é", "/", "a"), maxLength: 60 }));
const token: fc.Arbitrary<VerifiedToken> = fc.record({ subject: text, jti: text, kid: text, fingerprint: text, issuedAt: fc.nat(), expiresAt: fc.nat(), grants: fc.constant([]) });
const fields: fc.Arbitrary<DecisionLineFields> = fc.record(
  {
    requestId: text,
    decision: fc.constantFrom("allow" as const, "deny" as const),
    status: fc.constantFrom(200, 400, 403, 409, 429, 501),
    reason: text,
    error: fc.record({ code: text, message: text }),
    operation: text,
    bucket: text,
    key: text,
    token,
    tokenPlace: text,
    cache: fc.constantFrom("hit" as const, "miss" as const),
    latencyMs: fc.oneof(fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)),
    traceId: text,
    spanId: text,
  },
  { requiredKeys: ["requestId", "decision", "status", "reason", "latencyMs"] },
);

describe("decision lines written without pino's serializer", () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.UTC(2026, 10, 30, 12, 0, 0, 7) }));
  afterEach(() => jest.useRealTimers());

  it("are byte for byte the line pino writes for the same fields, at info and warn", () => {
    fc.assert(
      fc.property(fields, fc.constantFrom("info" as const, "warn" as const), (f, level) => {
        const direct = capture();
        const viaPino = capture();
        (rawLineWriter(direct.logger) as NonNullable<ReturnType<typeof rawLineWriter>>)(level, decisionLineFields(f));
        viaPino.logger[level](asPinoObject(f));
        expect(direct.lines).toEqual(viaPino.lines);
      }),
      { numRuns: 500 },
    );
  });

  it("serialize a token's fields once and reuse them for the same verified token", () => {
    const t: VerifiedToken = { subject: "s", jti: "j", kid: "k", fingerprint: "f", issuedAt: 0, expiresAt: 1, grants: [] };
    const base = { requestId: "r", decision: "allow" as const, status: 200, reason: "allowed", latencyMs: 0.1, token: t };
    expect(decisionLineFields(base)).toBe(decisionLineFields({ ...base }));
    expect(decisionLineObject(base)).toMatchObject({ sub: "s", jti: "j", kid: "k", token_fp: "f" });
  });

  it("go through pino when the logger has no raw writer (a child logger), with the same members", () => {
    const metrics = () => new AuthorizerMetrics({ keyAgeSeconds: () => 0, keysLoaded: () => 1, cacheEntries: () => 0, ready: () => true, inFlight: () => 0 });
    const parent = capture();
    const child = parent.logger.child({});
    expect(rawLineWriter(child)).toBeUndefined();
    const record = {
      decision: undefined,
      local: { reason: "keys-not-loaded", error: s3Error("AccessDenied", 'say "no"\n') },
      extraHeaders: {},
      requestId: "r1",
      started: process.hrtime.bigint(),
      status: 403,
    };
    new DecisionLog(parent.logger, metrics(), undefined).decision(record);
    new DecisionLog(child, metrics(), undefined).decision(record);
    const [direct, viaChild] = parent.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(direct).toMatchObject({ level: "warn", event: "decision", request_id: "r1", code: "AccessDenied", message: 'say "no"\n' });
    expect({ ...viaChild, latency_ms: 0 }).toEqual({ ...direct, latency_ms: 0 });
  });

  it("are not written when the level hides them", () => {
    const lines: string[] = [];
    const quiet = createLogger("error", { write: (line: string) => void lines.push(line) });
    const log = new DecisionLog(quiet, new AuthorizerMetrics({ keyAgeSeconds: () => 0, keysLoaded: () => 1, cacheEntries: () => 0, ready: () => true, inFlight: () => 0 }), undefined);
    log.decision({ decision: undefined, local: { reason: "x", error: s3Error("AccessDenied", "m") }, extraHeaders: {}, requestId: "r", started: process.hrtime.bigint(), status: 403 });
    expect(lines).toEqual([]);
  });
});
