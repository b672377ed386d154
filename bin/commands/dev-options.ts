import { resolve } from "node:path";
import { isQualifiedHostName } from "../../src/contracts/aws-names";
import { parseDurationSeconds } from "../../src/duration";
import { parseGrant } from "../../src/grants/grant";
import { bucketNameProblem } from "../../src/s3/bucket-name";
import { DEFAULT_MAX_LIFETIME_SECONDS } from "../../src/token/policy";
import { UsageError } from "../command";

/** The options of `rajee dev` as written on the command line (parseArgs' values). */
export interface DevArguments {
  readonly dir?: string;
  readonly bucket?: string;
  readonly port?: string;
  readonly grant?: string[];
  readonly ttl?: string;
  readonly domain?: string;
  readonly quiet?: boolean;
}

/** `rajee dev`'s settings, every one checked. */
export interface DevOptions {
  /** Absolute working folder: keys, certificate, last port, saved objects. */
  readonly dir: string;
  readonly bucket: string;
  /** The port asked for with --port; undefined means "the last one if free, else any". */
  readonly port: number | undefined;
  readonly grants: readonly string[];
  readonly ttlSeconds: number;
  /** Domain of virtual-hosted requests: `<bucket>.<domain>`. */
  readonly domain: string;
  /** No per-request lines. */
  readonly quiet: boolean;
}

export const DEFAULT_DEV_DIR = ".dev";
export const DEFAULT_DEV_BUCKET = "dev-bucket";
export const DEFAULT_DEV_TTL = "1h";
/**
 * Default domain for virtual-hosted requests. Names under `.localhost` are loopback by RFC 6761 and
 * resolve to 127.0.0.1 where systemd-resolved or nss-myhostname answers; two labels so a
 * `*.rajee.localhost` certificate name is one TLS libraries accept (a wildcard needs two labels after it).
 */
export const DEFAULT_DEV_DOMAIN = "rajee.localhost";

/**
 * Checks every option of `rajee dev` before anything starts: a bad value throws a UsageError naming
 * the option, the value and the fix, so nothing is left half-started. `maxTokenLifetimeSeconds` is
 * the bound of the local gateway's authorizer: a longer --ttl mints a token it would refuse.
 */
export function devOptions(values: DevArguments, maxTokenLifetimeSeconds = DEFAULT_MAX_LIFETIME_SECONDS): DevOptions {
  const bucket = values.bucket ?? DEFAULT_DEV_BUCKET;
  const bucketProblem = bucketNameProblem(bucket);
  if (bucketProblem) throw new UsageError(`--bucket ${bucket} ${bucketProblem}`);

  let port: number | undefined;
  if (values.port !== undefined) {
    port = /^\d{1,5}$/.test(values.port) ? Number(values.port) : NaN;
    if (!(port >= 1 && port <= 65535)) throw new UsageError(`--port ${values.port} is not a port number; use 1-65535, or leave it out to reuse the last port (or any free one)`);
  }

  const grants = values.grant ?? [`*:${bucket}/`];
  for (const grant of grants) {
    const parsed = parseGrant(grant);
    if (!parsed.ok) throw new UsageError(`--grant: ${parsed.problem}`);
  }

  const ttlText = values.ttl ?? DEFAULT_DEV_TTL;
  const ttlSeconds = parseDurationSeconds(ttlText);
  if (!ttlSeconds) throw new UsageError(`--ttl ${ttlText} is not a duration; use e.g. 15m or 1h`);
  if (ttlSeconds > maxTokenLifetimeSeconds) {
    throw new UsageError(
      `--ttl ${ttlText} is over the gateway's maximum token lifetime of ${maxTokenLifetimeSeconds / 3600}h (${maxTokenLifetimeSeconds} s), so the gateway would refuse the token; use at most ${maxTokenLifetimeSeconds / 3600}h`,
    );
  }

  const domain = (values.domain ?? DEFAULT_DEV_DOMAIN).toLowerCase();
  if (!isQualifiedHostName(domain)) throw new UsageError(`--domain ${values.domain} is not a DNS name with a dot; use e.g. ${DEFAULT_DEV_DOMAIN}`);

  return Object.freeze({ dir: resolve(values.dir ?? DEFAULT_DEV_DIR), bucket, port, grants: Object.freeze([...grants]), ttlSeconds, domain, quiet: values.quiet === true });
}
