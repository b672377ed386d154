import { writeFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LOCAL_REGION, LOCAL_TASK_ROLE, startLocalGateway } from "../bin/dev/local-gateway";
import { motoAvailability } from "../bin/dev/moto-server";
import { generateSigningKeyPair } from "../src/keys/generate";
import { mintToken } from "../src/token/mint";
import { registerCleanup } from "./processes";
import { quantile, round, supportsPercentile } from "./stats";

/**
 * Object sizes and how many transfers of each, per direction and path (full run / --quick). A full
 * run measures at least 100 of each, the fewest that hold a p99 (`supportsPercentile`); 100 MiB
 * takes about 3.5 minutes of it.
 */
export const TRANSFERS = [
  { label: "1 KiB", bytes: 1024, count: 200, quickCount: 10 },
  { label: "1 MiB", bytes: 1024 ** 2, count: 100, quickCount: 3 },
  { label: "100 MiB", bytes: 100 * 1024 ** 2, count: 100, quickCount: 0 },
] as const;
const BUCKET = "bench";
const WARM_UP = 2;

/** Milliseconds at p50, p95 and p99; a tail percentile is null when the count is too small to hold it (`supportsPercentile`). */
export interface TransferPercentiles {
  readonly p50: number;
  readonly p95: number | null;
  readonly p99: number | null;
}

export interface EndToEndRow {
  readonly operation: "GET" | "PUT";
  readonly size: string;
  readonly bytes: number;
  /** Transfers measured, the fewer of the two paths' (the warm-up and failed ones left out). */
  readonly count: number;
  readonly direct_ms: TransferPercentiles;
  readonly gateway_ms: TransferPercentiles;
  /** Gateway minus direct, per percentile, ms and percent of direct. */
  readonly overhead_ms: TransferPercentiles;
  readonly overhead_pct: TransferPercentiles;
  /** Bytes over the median transfer time, MB/s (10^6 bytes). */
  readonly direct_mb_s: number;
  readonly gateway_mb_s: number;
  /** Transfers that failed (warm-up included), by path; left out of the figures. */
  readonly failed?: { readonly gateway: number; readonly direct: number };
  readonly first_failure?: string;
}

export type EndToEndResults = { readonly skipped: string } | { readonly rows: EndToEndRow[]; readonly skipped_sizes: string[]; readonly failed?: string[] };

const TAIL_PERCENTILES = [95, 99] as const;

/** Nearest-rank p50, p95 and p99 of `values` (ms), rounded to µs; a tail the count cannot hold is null. */
function transferPercentiles(values: readonly number[]): TransferPercentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const [p95, p99] = TAIL_PERCENTILES.map((percent) => (supportsPercentile(sorted.length, percent) ? round(quantile(sorted, percent / 100), 3) : null));
  return { p50: round(quantile(sorted, 0.5), 3), p95: p95 ?? null, p99: p99 ?? null };
}

/**
 * One row of the whole-path table from the measured times (ms) of each path; pure. Overhead is the
 * gateway's percentile minus the direct one's: two independent samples, so a tail's difference can be
 * negative when the direct path's tail was the slower one in that run. Throws when either path has
 * no time (the caller reports that row as failed instead).
 */
export function transferRow(operation: "GET" | "PUT", size: { readonly label: string; readonly bytes: number }, times: { readonly gateway: readonly number[]; readonly direct: readonly number[] }) {
  if (times.gateway.length === 0 || times.direct.length === 0) throw new Error(`${operation} ${size.label}: no measured transfer via ${times.gateway.length === 0 ? "the gateway" : "the stand-in"}`);
  const direct = transferPercentiles(times.direct);
  const gateway = transferPercentiles(times.gateway);
  const difference = (p: keyof TransferPercentiles, scale: (d: number, base: number) => number) => {
    const base = direct[p];
    const via = gateway[p];
    return base === null || via === null ? null : scale(via - base, base);
  };
  const each = (scale: (d: number, base: number) => number): TransferPercentiles => ({
    p50: difference("p50", scale) as number,
    p95: difference("p95", scale),
    p99: difference("p99", scale),
  });
  return {
    operation,
    size: size.label,
    bytes: size.bytes,
    count: Math.min(times.gateway.length, times.direct.length),
    direct_ms: direct,
    gateway_ms: gateway,
    overhead_ms: each((d) => round(d, 3)),
    overhead_pct: each((d, base) => round((100 * d) / base, 1)),
    direct_mb_s: round(size.bytes / 1e6 / (direct.p50 / 1000), 1),
    gateway_mb_s: round(size.bytes / 1e6 / (gateway.p50 / 1000), 1),
  } satisfies EndToEndRow;
}

/** The section's results; pure. No row measured is a skipped section, so a run keeps the previous figures instead of publishing none. */
export function endToEndOutcome(rows: EndToEndRow[], skippedSizes: string[], failed: string[]): EndToEndResults {
  if (rows.length === 0 && failed.length > 0) return { skipped: `every row failed: ${failed.join("; ")}` };
  return { rows, skipped_sizes: skippedSizes, failed };
}

async function drain(body: unknown): Promise<number> {
  let bytes = 0;
  for await (const chunk of body as Readable) bytes += (chunk as Buffer).length;
  return bytes;
}

const ms = (ns: bigint) => Number(ns) / 1e6;

/**
 * The whole path: one SDK v3 client through the local gateway (HTTPS Envoy emulator, the real
 * authorizer with upstream signing, the S3 stand-in) and the same client straight to the stand-in
 * (moto behind its SigV4-verifying layer, over HTTP), requests alternating between the two.
 */
export async function runEndToEnd(dir: string, quick: boolean): Promise<EndToEndResults> {
  const moto = motoAvailability();
  if (!moto.ok) return { skipped: `moto is not available (${moto.reason})` };
  const pair = await generateSigningKeyPair();
  const jwksPath = join(dir, "e2e-jwks.json");
  writeFileSync(jwksPath, JSON.stringify({ keys: [pair.publicKey] }));
  const gateway = await startLocalGateway({ buckets: [BUCKET], keys: jwksPath, env: { RAJEE_RATE_LIMIT_PER_SECOND: "0" } });
  const unregister = registerCleanup(() => gateway.stop());
  const httpsAgent = new https.Agent({ ca: gateway.caCertificate, keepAlive: true });
  const httpAgent = new http.Agent({ keepAlive: true });
  try {
    const token = await mintToken({ key: pair.privateKey, subject: "bench", grants: [`*:${BUCKET}/`], ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });
    // Checksum behaviour fixed at SDK v3's defaults, so an AWS_* variable or profile of the user's shell cannot change what is measured.
    const common = { region: LOCAL_REGION, forcePathStyle: true, maxAttempts: 1, requestChecksumCalculation: "WHEN_SUPPORTED", responseChecksumValidation: "WHEN_SUPPORTED" } as const;
    const clients = {
      gateway: new S3Client({ ...common, endpoint: gateway.url, credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "anything", sessionToken: token }, requestHandler: { httpsAgent } }),
      direct: new S3Client({ ...common, endpoint: gateway.standIn.url, credentials: { ...LOCAL_TASK_ROLE }, requestHandler: { httpAgent } }),
    };
    const rows: EndToEndRow[] = [];
    const skipped: string[] = [];
    const failed: string[] = [];
    for (const size of TRANSFERS) {
      const count = quick ? size.quickCount : size.count;
      if (count === 0) {
        skipped.push(size.label);
        continue;
      }
      const body = Buffer.alloc(size.bytes, 0x61);
      const key = `object-${size.bytes}`;
      const operations = {
        PUT: (client: S3Client) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body })).then(() => size.bytes),
        GET: async (client: S3Client) => drain((await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body),
      };
      for (const operation of ["PUT", "GET"] as const) {
        const times: Record<"gateway" | "direct", number[]> = { gateway: [], direct: [] };
        const failures: Record<"gateway" | "direct", string[]> = { gateway: [], direct: [] };
        process.stdout.write(`  ${operation} ${size.label}: ${count} transfers each way, alternating\n`);
        for (let i = 0; i < count + WARM_UP; i++) {
          for (const path of ["gateway", "direct"] as const) {
            const started = process.hrtime.bigint();
            try {
              const bytes = await operations[operation](clients[path]);
              if (bytes !== size.bytes) throw new Error(`moved ${bytes} bytes`);
            } catch (error) {
              // Recorded and reported, not fatal: one refused transfer must not lose the other figures.
              const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
              failures[path].push(`${(error as Error).name}${status ? ` (HTTP ${status})` : ""}: ${(error as Error).message}`);
              continue;
            }
            const elapsed = ms(process.hrtime.bigint() - started);
            if (i >= WARM_UP) times[path].push(elapsed);
          }
        }
        if (times.gateway.length === 0 || times.direct.length === 0) {
          failed.push(`${operation} ${size.label}: every transfer failed via ${times.gateway.length === 0 ? "the gateway" : "the stand-in"} (${[...failures.gateway, ...failures.direct][0] ?? "no error"})`);
          continue;
        }
        rows.push({
          ...transferRow(operation, size, times),
          failed: { gateway: failures.gateway.length, direct: failures.direct.length },
          ...(failures.gateway.length + failures.direct.length > 0 ? { first_failure: [...failures.gateway, ...failures.direct][0] } : {}),
        });
      }
    }
    clients.gateway.destroy();
    clients.direct.destroy();
    return endToEndOutcome(rows, skipped, failed);
  } finally {
    httpsAgent.destroy();
    httpAgent.destroy();
    unregister();
    await gateway.stop();
  }
}
