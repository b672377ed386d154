/** Results fixtures shared by the bench's report and results tests. */
import type { RunContext } from "../../bench/results";

export const machine: RunContext["machine"] = { cpus: 2, cpu_model: "Test CPU", node: "v20.0.0", platform: "linux-x64" };
export const context: RunContext = { measured_at: "2026-11-30T12:00:00.000Z", machine, load_average_start: [0.5, 0.4, 0.3] };

/** An http section: the null server at 60,000 req/s and p99 400 µs, the authorizer at `cachedRps` and `cachedP99` µs. */
export function http(cachedRps: number, cachedP99: number) {
  return {
    seconds: 10,
    connections: 8,
    baseline: { rps: 60000, p50_us: 80, p99_us: 400, cpu_us_per_request: 12 },
    cached: { rps: cachedRps, p50_us: 150, p99_us: cachedP99, cpu_us_per_request: 30 },
    uncached: { rps: 5000, p50_us: 1500, p99_us: 5000, cpu_us_per_request: 200 },
    rss_mib: 90,
    fixed_rate: [],
    profile: { seconds: 8, top: [{ name: "writeLatin1String", where: "(native)", percent: 40 }], areas: { native: 50, app: 30 } },
    context,
  };
}

/** A scaling section: `Authorizer.check` 9-12 µs by grant count (10 µs for the HTTP section's 100 grants), upstream signing 25 µs. */
export function scaling(clientSignature?: { bearer: number; bound_header_signed: number; bound_presigned: number }) {
  return {
    decide_us: { "1": 4, "1000": 6 },
    grant_check_us: { "1": 0.2, "1000": 0.3 },
    check_us: { "1": 9, "100": 10, "1000": 12 },
    token_chars: { "1": 300, "1000": 30000 },
    delete_objects_us: { one_prefix_grant: 800, grant_per_key: 900 },
    verify_cached_us: { EdDSA: 0.4 },
    verify_uncached_us: { EdDSA: 180 },
    upstream_signing_us: 25,
    ...(clientSignature ? { client_signature_us: { token_grants: 100, ...clientSignature } } : {}),
    context,
  };
}
