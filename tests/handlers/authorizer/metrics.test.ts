import { AuthorizerMetrics } from "../../../handlers/authorizer/metrics";

const metrics = () => new AuthorizerMetrics({ keyAgeSeconds: () => 0, keysLoaded: () => 1, cacheEntries: () => 0, ready: () => true, inFlight: () => 0 });

describe("the authorizer's metrics", () => {
  it("reports every decision and cache lookup made before each scrape, adding up across scrapes", async () => {
    const m = metrics();
    m.decision("allow", "allowed", 0.0001);
    m.decision("allow", "allowed", 0.0001);
    m.decision("deny", "outside-grants", 0.0002);
    m.cacheLookup(true);
    expect(await m.registry.getSingleMetricAsString("rajee_authorizer_decisions_total")).toContain('result="allow",reason="allowed"} 2');
    expect(await m.registry.getSingleMetricAsString("rajee_authorizer_token_cache_lookups_total")).toContain('result="hit"} 1');
    m.decision("allow", "allowed", 0.0001);
    m.cacheLookup(true);
    m.cacheLookup(false);
    const text = await m.registry.metrics();
    expect(text).toContain('rajee_authorizer_decisions_total{result="allow",reason="allowed"} 3');
    expect(text).toContain('rajee_authorizer_decisions_total{result="deny",reason="outside-grants"} 1');
    expect(text).toContain('rajee_authorizer_token_cache_lookups_total{result="hit"} 2');
    expect(text).toContain('rajee_authorizer_token_cache_lookups_total{result="miss"} 1');
    expect(text).toContain("rajee_authorizer_check_duration_seconds_count 4");
  });
});
