import { DecisionLog } from "../../../handlers/authorizer/decision-log";
import { createLogger } from "../../../handlers/authorizer/logger";
import { AuthorizerMetrics } from "../../../handlers/authorizer/metrics";
import type { RefreshEvent } from "../../../handlers/authorizer/polled-document";
import type { DocumentStatus } from "../../../handlers/authorizer/trust-state";
import { s3Error } from "../../../src/errors";

function decisionLog(level: "debug" | "error" = "debug") {
  const lines: string[] = [];
  const metrics = new AuthorizerMetrics({ keyAgeSeconds: () => 0, keysLoaded: () => 1, cacheEntries: () => 0, ready: () => true, inFlight: () => 0 });
  const log = new DecisionLog(createLogger(level, { write: (line: string) => void lines.push(line) }), metrics, undefined);
  return { log, metrics, logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const failed = (document: string): RefreshEvent => ({ document, trigger: "interval", outcome: { ok: false, error: new Error(`${document}: unreachable`) }, durationMs: 3 });
const status = (loaded: boolean): DocumentStatus => ({ fingerprint: loaded ? "fp" : undefined, ageSeconds: loaded ? 61.4 : undefined, fresh: loaded, loaded });

describe("the decision log", () => {
  it("logs a local denial at warn with its S3 code and reason, and counts it", async () => {
    const { log, metrics, logs } = decisionLog();
    const local = { reason: "keys-not-loaded", error: s3Error("AccessDenied", "the gateway cannot verify tokens right now") };
    log.decision({ decision: undefined, local, extraHeaders: {}, requestId: "r1", started: process.hrtime.bigint(), status: 403 });
    expect(logs()).toEqual([
      expect.objectContaining({ level: "warn", event: "decision", request_id: "r1", decision: "deny", status: 403, reason: "keys-not-loaded", code: "AccessDenied" }),
    ]);
    expect(await metrics.registry.getSingleMetricAsString("rajee_authorizer_decisions_total")).toContain('result="deny",reason="keys-not-loaded"} 1');
  });

  it("still counts decisions when the log level hides their lines", async () => {
    const { log, metrics, logs } = decisionLog("error");
    const local = { reason: "rate-limited", error: s3Error("SlowDown", "too many requests") };
    log.decision({ decision: undefined, local, extraHeaders: {}, requestId: "r2", started: process.hrtime.bigint(), status: 429 });
    expect(logs()).toEqual([]);
    expect(await metrics.registry.getSingleMetricAsString("rajee_authorizer_decisions_total")).toContain('reason="rate-limited"} 1');
  });

  it("says a failed refresh denies every check when nothing was loaded, and keeps the last good version otherwise", () => {
    const { log, logs } = decisionLog();
    log.refresh(failed("keys"), status(false));
    log.refresh(failed("deny-list"), status(true));
    expect(logs().map((l) => [l.level, l.document, l.age_seconds, l.fresh, l.msg])).toEqual([
      ["error", "keys", null, false, "keys refresh failed; nothing loaded yet, denying every check"],
      ["error", "deny-list", 61, true, "deny-list refresh failed; keeping the last good version until the staleness limit"],
    ]);
  });

  it("logs a refresh at info when it changed the document or was the first load, at debug otherwise", () => {
    const { log, logs } = decisionLog();
    const ok = (trigger: RefreshEvent["trigger"], changed: boolean): RefreshEvent => ({ document: "keys", trigger, outcome: { ok: true, changed }, durationMs: 1 });
    log.refresh(ok("start", false), { ...status(true), kids: ["k1:current"] });
    log.refresh(ok("interval", false), status(true));
    log.refresh(ok("break-glass", true), status(true));
    expect(logs().map((l) => [l.level, l.trigger, l.kids])).toEqual([
      ["info", "start", ["k1:current"]],
      ["debug", "interval", undefined],
      ["info", "break-glass", undefined],
    ]);
  });
});
