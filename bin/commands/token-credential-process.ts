import { join } from "node:path";
import { selfRunningProcess } from "../aws-profile";
import { parseOptions, type Command, type CommandIO } from "../command";
import { cacheFileName, credentialCacheDir, readCached, writeCached, type ProcessCredentials } from "../credential-cache";
import { callIssuer, ISSUER_CALL_HELP, ISSUER_CALL_OPTIONS, issuerCall, sdkIssuerDeps, type IssuerDeps } from "../issuer-call";

const HELP = `Usage: rajee token credential-process --url URL --grant GRANT [--grant GRANT...] [--ttl 1h] [--profile P] [--region R]

For the credential_process setting of an AWS profile: asks the token issuer for credentials, signed
with your own AWS credentials, and prints them as credential_process JSON (Version 1, AccessKeyId,
SecretAccessKey, SessionToken, Expiration). The aws cli, boto3 and the SDKs then send the token to
the gateway as their session token. In ~/.aws/config:

  [profile data]
  credential_process = rajee token credential-process --url https://<url-id>.lambda-url.<region>.on.aws/ --grant read:bucket/prefix/
  endpoint_url = https://<gateway domain>

Credentials are cached in $XDG_CACHE_HOME/rajee/credentials/ (else ~/.cache/rajee/credentials/),
one file per URL, grants, --ttl and profile, mode 0600, and reused while more than 15 minutes
(or half their lifetime, when shorter) remain, so each aws command does not call the issuer again.
botocore (aws cli, boto3) asks for new credentials 15 minutes before they expire, so ask for
--ttl 1h or more: shorter ones are asked for again on every request in their last 15 minutes.

--profile names the credentials that call the issuer: never the profile that runs this command
(that would run it again, without end; this is detected and refused). When you select the profile
with AWS_PROFILE=data, this process inherits AWS_PROFILE=data: pass --profile with the profile that
holds your own credentials (e.g. your SSO profile). See docs/issuing.md, "Getting credentials".

Options:
${ISSUER_CALL_HELP}
`;

/**
 * Set in this process's environment before the AWS SDK resolves credentials, so any process the SDK
 * starts inherits it. A credential_process found set is this command run by itself (a profile whose
 * credential_process is rajee, used to call the issuer): it is refused instead of recursing.
 */
export const NESTED_RUN_VARIABLE = "RAJEE_CREDENTIAL_PROCESS_RUNNING";

function nestedRunError(io: CommandIO): Error {
  const profile = io.env.AWS_PROFILE;
  return new Error(
    `this command is running inside itself: the AWS credentials for calling the issuer came from a profile whose credential_process is 'rajee token credential-process' again${
      profile ? ` (AWS_PROFILE=${profile} is inherited from the aws command)` : ""
    }. Give --profile a profile holding your own AWS credentials (SSO, access keys, a role), not the one that runs credential_process`,
  );
}

/** The profile whose credentials the SDK will use to call the issuer, when one is named or the default one is read. */
function signingProfile(profile: string | undefined, env: Readonly<Record<string, string | undefined>>): string | undefined {
  if (profile !== undefined) return profile;
  if (env.AWS_PROFILE) return env.AWS_PROFILE;
  // With keys in the environment the SDK never reads the default profile.
  return env.AWS_ACCESS_KEY_ID ? undefined : "default";
}

function selfRunningError(profile: string, flagged: boolean): Error {
  const source = flagged ? `--profile ${profile}` : profile === "default" ? "the default profile" : `AWS_PROFILE=${profile} (inherited from the aws command)`;
  return new Error(
    `${source} would sign the call to the issuer with credentials from its own credential_process, which is this command: it would run itself without end. Give --profile a profile holding your own AWS credentials (SSO, access keys, a role), not the one that runs credential_process`,
  );
}

/** Marks the environment the AWS SDK's credential processes inherit (the I/O shell's side of NESTED_RUN_VARIABLE). */
function markNestedRuns(): void {
  process.env[NESTED_RUN_VARIABLE] = "1";
}

/** `rajee token credential-process` with the given AWS and network dependencies (tests pass their own). */
export function tokenCredentialProcessCommand(deps: IssuerDeps, markChildren: () => void = markNestedRuns): Command {
  return {
    path: ["token", "credential-process"],
    summary: "credential_process for AWS profiles: credentials from the issuer, cached",
    help: HELP,
    async run(args, io) {
      const { values } = parseOptions(args, ISSUER_CALL_OPTIONS);
      const call = issuerCall(values);
      if (io.env[NESTED_RUN_VARIABLE] !== undefined) throw nestedRunError(io);
      const dir = credentialCacheDir(io.env);
      const file = join(
        dir,
        cacheFileName({
          url: call.url.href,
          grants: call.grants,
          ttlSeconds: call.ttlSeconds,
          profile: call.profile ?? io.env.AWS_PROFILE,
          accessKeyId: call.profile === undefined ? io.env.AWS_ACCESS_KEY_ID : undefined,
        }),
      );
      const cached = await readCached(file, deps.now());
      if (cached) {
        io.stdout(`${JSON.stringify(cached)}\n`);
        return 0;
      }
      const profile = signingProfile(call.profile, io.env);
      if (profile !== undefined && (await selfRunningProcess(profile, io.env)) !== undefined) throw selfRunningError(profile, call.profile !== undefined);
      markChildren();
      const obtainedAt = deps.now();
      const issued = await callIssuer(call, deps);
      const credentials: ProcessCredentials = { Version: 1, ...issued.credentials };
      await writeCached(dir, file, { credentials, obtainedAt: obtainedAt.toISOString() }).catch((error: Error) => {
        // The credentials are good; only the next run will have to call the issuer again.
        io.stderr(`warning: cannot cache the credentials in ${dir}: ${error.message}\n`);
      });
      io.stdout(`${JSON.stringify(credentials)}\n`);
      return 0;
    },
  };
}

export const tokenCredentialProcess = tokenCredentialProcessCommand(sdkIssuerDeps);
