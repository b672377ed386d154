import { expandGrant } from "../../src/issuance/variables";
import { anyPrincipalMatches, parseCaller } from "../../src/issuance/principal";
import type { IssuancePolicy } from "../../src/issuance/policy";
import type { DevPrincipal } from "./issuer-endpoint";

/**
 * What `npm run dev` prints and writes for the local issuer: the grants a dev principal may get under
 * the issuance policy, and the AWS profiles that get them through `rajee token credential-process`.
 * Pure.
 */

/** The grants `arn` may ask for under `policy` (variables expanded for it), and the longest lifetime of those rules; undefined when no rule names it. */
export function grantsFor(policy: IssuancePolicy, arn: string): { grants: string[]; maxLifetimeSeconds: number } | undefined {
  const caller = parseCaller(arn);
  if (!caller) return undefined;
  const rules = policy.rules.filter((rule) => anyPrincipalMatches(rule.principals, caller));
  if (rules.length === 0) return undefined;
  const grants = rules.flatMap((rule) => rule.grants.flatMap((grant) => {
    const expanded = expandGrant(grant, caller);
    return expanded.ok ? [expanded.text] : [];
  }));
  return { grants: [...new Set(grants)], maxLifetimeSeconds: Math.max(...rules.map((rule) => rule.maxLifetimeSeconds)) };
}

/** Buckets named by a policy's grants (`<access>:<bucket>/<path>`), in order, each once. */
export function policyBuckets(policy: IssuancePolicy): string[] {
  const buckets = policy.rules.flatMap((rule) => rule.grants.map((grant) => grant.slice(grant.indexOf(":") + 1).split("/")[0] ?? ""));
  return [...new Set(buckets.filter((b) => b !== "" && !b.includes("$") && !b.includes("*")))];
}

/** Everything the printed profiles name. */
export interface IssuerProfileInput {
  /** Short name of the principal (config/dev-principals.json's key), used in the profile names. */
  readonly name: string;
  readonly principal: DevPrincipal;
  readonly grants: readonly string[];
  readonly ttlSeconds: number;
  readonly issuerUrl: string;
  readonly region: string;
  readonly gatewayUrl: string;
  readonly caFile: string;
  /** How to run rajee from anywhere, e.g. `node /path/to/rajee/bin/rajee.js`. */
  readonly rajee: string;
}

/** Profile names: the one clients use, and the one holding the keys that sign the call to the issuer. */
export function issuerProfileNames(name: string): { profile: string; keys: string } {
  return { profile: `rajee-dev-${name}`, keys: `rajee-dev-${name}-keys` };
}

/**
 * Two profiles for ~/.aws/config: `rajee-dev-<name>-keys` holds the dev principal's test keys (standing
 * in for the user's own SSO or role credentials), and `rajee-dev-<name>` gets credentials from the
 * issuer with them and sends its S3 requests to the local gateway.
 */
export function issuerProfiles(input: IssuerProfileInput): string {
  const names = issuerProfileNames(input.name);
  const command = [
    input.rajee,
    "token credential-process",
    `--url ${input.issuerUrl}`,
    `--region ${input.region}`,
    `--profile ${names.keys}`,
    `--ttl ${input.ttlSeconds}`,
    ...input.grants.map((grant) => `--grant ${grant}`),
  ].join(" ");
  return `[profile ${names.keys}]
aws_access_key_id = ${input.principal.accessKeyId}
aws_secret_access_key = ${input.principal.secretAccessKey}

[profile ${names.profile}]
credential_process = ${command}
region = ${input.region}
endpoint_url = ${input.gatewayUrl}
ca_bundle = ${input.caFile}
s3 =
  addressing_style = path
`;
}
