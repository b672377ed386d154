import type { IssueTokenResponse } from "../src/contracts/issuer-api";
import { parseDurationSeconds } from "../src/duration";
import { parseGrant } from "../src/grants/grant";
import { DEFAULT_TTL_SECONDS } from "../src/issuance/evaluate";
import { missingProfileProblem } from "./aws-profile";
import { requireOption, UsageError } from "./command";
import { issuerRegion, issuerUrl, postToIssuer, readIssuerAnswer, signIssuerRequest, type CallerCredentials, type IssuerAnswer, type SignedIssuerRequest } from "./issuer-client";

/**
 * What `rajee token request` and `rajee token credential-process` share: their options, and one
 * signed call to the issuer with the caller's AWS credentials. The AWS SDK sits behind
 * `IssuerDeps`, so tests drive the commands with their own credentials, region and transport.
 */

export const ISSUER_CALL_OPTIONS = {
  url: { type: "string" },
  grant: { type: "string", multiple: true },
  ttl: { type: "string" },
  profile: { type: "string" },
  region: { type: "string" },
} as const;

export const ISSUER_CALL_HELP = `  --url URL         the issuer's Function URL (terraform output issuer_url), e.g.
                    https://<url-id>.lambda-url.eu-west-1.on.aws/ ; npm run dev prints a local one
  --grant GRANT     a grant to ask for, <access>:<bucket>/<path>; repeatable
  --ttl DURATION    lifetime to ask for: 900, 15m, 1h (default: ${DEFAULT_TTL_SECONDS / 60} minutes, or the
                    longest the issuance policy allows the grants if that is shorter)
  --profile NAME    AWS profile whose credentials sign the call to the issuer (default: the usual
                    chain: AWS_ACCESS_KEY_ID, AWS_PROFILE, SSO, instance or container role)
  --region REGION   region to sign for (default: the one in the Function URL, else AWS_REGION,
                    AWS_DEFAULT_REGION or the profile's region)`;

/** The values of ISSUER_CALL_OPTIONS as parseArgs returns them. */
export interface IssuerCallArguments {
  readonly url?: string | undefined;
  readonly grant?: string[] | undefined;
  readonly ttl?: string | undefined;
  readonly profile?: string | undefined;
  readonly region?: string | undefined;
}

/** One call to the issuer, every option checked. */
export interface IssuerCall {
  readonly url: URL;
  readonly grants: readonly string[];
  readonly ttlSeconds: number | undefined;
  readonly profile: string | undefined;
  readonly region: string | undefined;
}

/** Checks the options before anything is signed or sent: a bad one is a usage error naming it. */
export function issuerCall(values: IssuerCallArguments): IssuerCall {
  const url = issuerUrl(requireOption(values.url, "url"));
  if (!values.grant || values.grant.length === 0) throw new UsageError("at least one --grant is required");
  for (const grant of values.grant) {
    const parsed = parseGrant(grant);
    if (!parsed.ok) throw new UsageError(`--grant: ${parsed.problem}`);
  }
  let ttlSeconds: number | undefined;
  if (values.ttl !== undefined) {
    ttlSeconds = parseDurationSeconds(values.ttl);
    if (!ttlSeconds) throw new UsageError(`--ttl ${values.ttl} is not a duration; use e.g. 900, 15m or 1h`);
  }
  if (values.profile === "") throw new UsageError("--profile is empty; name a profile of your AWS config, or leave it out");
  return { url, grants: [...values.grant], ttlSeconds, profile: values.profile, region: values.region };
}

/** How a command reaches AWS and the issuer; the defaults use the AWS SDK and fetch. */
export interface IssuerDeps {
  /** The caller's AWS credentials, from `profile` when given. */
  credentials(profile: string | undefined): Promise<CallerCredentials>;
  /** The region chain (AWS_REGION, AWS_DEFAULT_REGION, the profile's `region`), undefined when none is configured. */
  region(profile: string | undefined): Promise<string | undefined>;
  send(request: SignedIssuerRequest): Promise<IssuerAnswer>;
  now(): Date;
}

/**
 * Turns off the AWS SDK's NodeVersionSupportWarning (eight lines on stderr, for every aws cli command
 * that runs `rajee token credential-process`) through the variable the SDK itself reads
 * (`AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED`, @aws-sdk/core emitWarningIfUnsupportedVersion).
 * Node 20 is this project's engine and the installed SDK supports it; the warning is about SDK
 * releases after January 2027 (docs/decisions.md). A value the user set is kept.
 */
export function quietSdkNodeVersionWarning(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
}

/** The AWS SDK's default chains (loaded on first use, so `--help` and usage errors stay fast) and fetch. */
export const sdkIssuerDeps: IssuerDeps = {
  async credentials(profile) {
    const missing = profile === undefined ? undefined : await missingProfileProblem(profile, process.env);
    if (missing !== undefined) throw new Error(missing);
    quietSdkNodeVersionWarning();
    const { fromNodeProviderChain } = await import("@aws-sdk/credential-providers");
    return fromNodeProviderChain(profile === undefined ? {} : { profile })();
  },
  async region(profile) {
    // The aws cli honours AWS_DEFAULT_REGION after AWS_REGION; SDK v3 reads only AWS_REGION
    // (https://docs.aws.amazon.com/sdkref/latest/guide/feature-region.html), so it is read here.
    const fromEnvironment = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
    if (fromEnvironment) return fromEnvironment;
    quietSdkNodeVersionWarning();
    // The region chain of any SDK client (AWS_REGION, then the profile's region in ~/.aws/config);
    // Secrets Manager's is used because that client is already a dependency. Nothing is sent.
    const { SecretsManagerClient } = await import("@aws-sdk/client-secrets-manager");
    const client = new SecretsManagerClient(profile === undefined ? {} : { profile });
    try {
      return await client.config.region();
    } finally {
      client.destroy();
    }
  },
  send: (request) => postToIssuer(request),
  now: () => new Date(),
};

/** Signs the request with the caller's credentials, sends it, and returns the issued credentials or throws the issuer's refusal. */
export async function callIssuer(call: IssuerCall, deps: IssuerDeps): Promise<IssueTokenResponse> {
  const region = await issuerRegion(call.url, call.region, () => deps.region(call.profile));
  let credentials: CallerCredentials;
  try {
    credentials = await deps.credentials(call.profile);
  } catch (error) {
    const source = call.profile === undefined ? "the default chain (AWS_ACCESS_KEY_ID, AWS_PROFILE, SSO, instance or container role)" : `profile ${call.profile}`;
    throw new Error(`no AWS credentials to sign the call to the issuer from ${source}: ${(error as Error).message.trim()}`, { cause: error });
  }
  const request = await signIssuerRequest({
    url: call.url,
    region,
    credentials,
    request: call.ttlSeconds === undefined ? { grants: call.grants } : { grants: call.grants, ttlSeconds: call.ttlSeconds },
    now: deps.now(),
  });
  return readIssuerAnswer(await deps.send(request), call.url);
}
