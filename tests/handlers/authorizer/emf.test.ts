import { EmfReporter } from "../../../handlers/authorizer/emf";
import { createLogger } from "../../../handlers/authorizer/logger";

describe("EmfReporter", () => {
  it("writes one line per result with Decisions and sampled AuthzLatencyMs, and one line of totals", () => {
    const lines: string[] = [];
    const emf = new EmfReporter((l) => lines.push(l), { keyAgeSeconds: () => 12.4 }, () => 1_900_000_000_000);
    emf.decision("allow", 0.25);
    emf.decision("allow", 0.5);
    emf.decision("deny", 1.5);
    emf.cacheLookup(true);
    emf.cacheLookup(false);
    emf.rateLimit();
    emf.flush();
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: 1_900_000_000_000,
          CloudWatchMetrics: [{ Namespace: "rajee", Dimensions: [["Result"]], Metrics: [{ Name: "Decisions", Unit: "Count" }, { Name: "AuthzLatencyMs", Unit: "Milliseconds" }] }],
        },
        Result: "allow",
        Decisions: 2,
        AuthzLatencyMs: [0.25, 0.5],
      },
      {
        _aws: {
          Timestamp: 1_900_000_000_000,
          CloudWatchMetrics: [{ Namespace: "rajee", Dimensions: [["Result"]], Metrics: [{ Name: "Decisions", Unit: "Count" }, { Name: "AuthzLatencyMs", Unit: "Milliseconds" }] }],
        },
        Result: "deny",
        Decisions: 1,
        AuthzLatencyMs: [1.5],
      },
      {
        _aws: {
          Timestamp: 1_900_000_000_000,
          CloudWatchMetrics: [
            {
              Namespace: "rajee",
              Dimensions: [[]],
              Metrics: [
                { Name: "TokenCacheHits", Unit: "Count" },
                { Name: "TokenCacheMisses", Unit: "Count" },
                { Name: "RateLimited", Unit: "Count" },
                { Name: "KeyAgeSeconds", Unit: "Seconds" },
              ],
            },
          ],
        },
        TokenCacheHits: 1,
        TokenCacheMisses: 1,
        RateLimited: 1,
        KeyAgeSeconds: 12,
      },
    ]);
    lines.length = 0;
    emf.flush();
    expect(lines.map((l) => JSON.parse(l))).toEqual([expect.objectContaining({ TokenCacheHits: 0, TokenCacheMisses: 0, RateLimited: 0 })]);
  });

  it("publishes the current signing key's age without dimensions when it is known, and nothing when it is not", () => {
    const totals = (signingKeyAgeSeconds?: () => number | undefined) => {
      const lines: string[] = [];
      const gauges = signingKeyAgeSeconds ? { keyAgeSeconds: () => undefined, signingKeyAgeSeconds } : { keyAgeSeconds: () => undefined };
      new EmfReporter((l) => lines.push(l), gauges, () => 1_900_000_000_000).flush();
      return JSON.parse(lines.at(-1)!) as Record<string, unknown> & { _aws: { CloudWatchMetrics: { Dimensions: unknown; Metrics: { Name: string }[] }[] } };
    };
    const known = totals(() => 86_400.6);
    expect(known.SigningKeyAgeSeconds).toBe(86_401);
    expect(known._aws.CloudWatchMetrics[0]!.Dimensions).toEqual([[]]);
    expect(known._aws.CloudWatchMetrics[0]!.Metrics).toContainEqual({ Name: "SigningKeyAgeSeconds", Unit: "Seconds" });
    for (const unknown of [totals(() => undefined), totals()]) {
      expect(unknown).not.toHaveProperty("SigningKeyAgeSeconds");
      expect(unknown._aws.CloudWatchMetrics[0]!.Metrics.map((m) => m.Name)).not.toContain("SigningKeyAgeSeconds");
    }
  });

  it("keeps at most 100 latency values per line while counting every decision", () => {
    const lines: string[] = [];
    const emf = new EmfReporter((l) => lines.push(l), { keyAgeSeconds: () => undefined }, () => 0);
    for (let i = 0; i < 1000; i++) emf.decision("deny", i);
    emf.flush();
    const line = JSON.parse(lines[0] as string) as { Decisions: number; AuthzLatencyMs: number[] };
    expect(line.Decisions).toBe(1000);
    expect(line.AuthzLatencyMs).toHaveLength(100);
    expect(new Set(line.AuthzLatencyMs).size).toBe(100);
  });
});

describe("logger", () => {
  it("redacts token and header paths should any log call pass them", () => {
    const lines: string[] = [];
    const logger = createLogger("info", { write: (l: string) => void lines.push(l) });
    logger.info({ token: "eyJ.secret.sig", headers: { authorization: "Bearer eyJ.secret.sig", "x-amz-security-token": "eyJ.secret.sig" }, path: "/b/k?X-Amz-Security-Token=eyJ.secret.sig" });
    expect(lines.join("")).not.toContain("secret");
    expect(JSON.parse(lines[0] as string)).toMatchObject({
      level: "info",
      service: "rajee-authorizer",
      token: "[redacted]",
      headers: { authorization: "[redacted]", "x-amz-security-token": "[redacted]" },
      path: "[redacted]",
    });
  });
});
