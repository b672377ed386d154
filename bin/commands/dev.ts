import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import net from "node:net";
import { join, relative } from "node:path";
import { dev as devEnvironment } from "../../config/dev";
import devPrincipals from "../../config/dev-principals.json";
import { issuerLogLine, parseDevPrincipals, type IssuerRequestRecord } from "../dev/issuer-endpoint";
import { grantsFor, issuerProfileNames, issuerProfiles, policyBuckets } from "../dev/issuer-profile";
import { LOCAL_REGION, startLocalGateway, type LocalBinding } from "../dev/local-gateway";
import { formatRequestLine } from "../dev/request-lines";
import { keptCertificate } from "../dev/tls";
import { DEFAULT_CLIENT_SIGNATURES } from "../../handlers/authorizer/config";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { LOOPBACK } from "../../src/contracts/gateway";
import { generateSigningKeyPair, type PrivateSigningKey } from "../../src/keys/generate";
import { bindingPublicPart, generateBindingKeyPair, parseBindingPrivateKey } from "../../src/token/binding";
import { mintToken } from "../../src/token/mint";
import { parseOptions, type Command, type CommandIO } from "../command";
import { startOtlpReceiver, type ReceivedSpan } from "../dev/otlp-receiver";
import { DEFAULT_DEV_BUCKET, DEFAULT_DEV_DIR, DEFAULT_DEV_DOMAIN, DEFAULT_DEV_TTL, devOptions, type DevOptions } from "./dev-options";

const HELP = `Usage: npm run dev -- [--dir ${DEFAULT_DEV_DIR}] [--bucket ${DEFAULT_DEV_BUCKET}] [--port N] [--grant G...] [--ttl ${DEFAULT_DEV_TTL}]
                      [--domain ${DEFAULT_DEV_DOMAIN}] [--quiet] [--traces]
       (the same as: rajee dev ...)

Runs the whole gateway on 127.0.0.1 without AWS: an S3 stand-in (moto, a local implementation of
the S3 API, behind a layer that checks SigV4, payload hashes and checksums like S3), the real
authorizer with its upstream signer, and an emulator of the Envoy configuration serving HTTPS.
Prints the lines to paste into a shell to use it with the aws cli, then one line per request
(method, path, status, the authorizer's decision and reason, time). Needs moto:
pip install "moto[server]".

Beside it runs the token issuer, as a Function URL would: callers sign with the test keys of
config/dev-principals.json, and the dev environment's issuance policy (config/dev.ts) decides
what they get. The banner shows an AWS profile whose credential_process gets them
(docs/issuing.md, "Getting credentials"); the buckets that policy names are created too.

Every option is checked before anything starts; a bad one exits 2 and starts nothing.
Every token the issuer hands out is bound (proof of possession, docs/issuing.md): its secret is
sealed to the gateway's binding key, and the authorizer checks the client's signature with it
(clientSignatures of config/dev.ts; bearer tokens such as the one printed below still pass).

What is kept in --dir and reused on the next start: the signing key (tokens printed earlier stay
valid until they expire), the binding key (binding-keys.json, 0600), the HTTPS certificate (AWS_CA_BUNDLE), the port (tried first; a new
one only when it is taken; the issuer's likewise) and the objects (saved to --dir/s3 on Ctrl-C or SIGTERM; a process
killed any other way loses the objects written since it started). So the pasted lines keep
working across restarts.

Options:
  --dir DIR        working folder (default ${DEFAULT_DEV_DIR}, which git ignores)
  --bucket NAME    bucket to create (default ${DEFAULT_DEV_BUCKET})
  --port N         HTTPS port; exits 1 if it is taken (default: the last one if free, else any)
  --grant G        grants of the printed token; repeatable (default *:<bucket>/)
  --ttl DURATION   lifetime of the printed token, at most the gateway's 12h (default ${DEFAULT_DEV_TTL})
  --domain NAME    virtual-hosted requests: https://<bucket>.NAME:<port>/<key>; the certificate
                   covers *.NAME (default ${DEFAULT_DEV_DOMAIN}; see docs/end-to-end.md)
  --quiet          no per-request lines
  --traces         trace every request: the emulator's and the authorizer's spans go to a local
                   OTLP receiver, which prints one line per span (docs/observability.md)
`;

/** One received span as `npm run dev -- --traces` prints it. */
function spanLine(span: ReceivedSpan): string {
  return `span ${span.traceId} ${span.spanId} <- ${span.parentSpanId || "(root)"} ${span.serviceName} ${span.name} ${JSON.stringify(span.attributes)}`;
}

/** Files in the working folder. */
const PORT_FILE = "gateway-port";
const ISSUER_PORT_FILE = "issuer-port";
const AWS_VIRTUAL_CONFIG_FILE = "aws-virtual.config";
const AWS_ISSUER_CONFIG_FILE = "aws-issuer.config";

/** The dev principal whose profile the banner shows (config/dev-principals.json). */
const SHOWN_PRINCIPAL = "alice";
/** Lifetime the shown profile asks for: long enough that botocore's 15-minute refresh window does not make it ask on every request. */
const PROFILE_TTL_SECONDS = 3600;
/** How to run rajee from any directory, for the credential_process line. */
const RAJEE = `node ${join(__dirname, "..", "rajee.js")}`;

async function devKey(dir: string): Promise<{ key: PrivateSigningKey; keyFile: string; jwks: string }> {
  const keyFile = join(dir, "private.jwk.json");
  const jwks = join(dir, "jwks.json");
  if (existsSync(keyFile) && existsSync(jwks)) return { key: JSON.parse(await readFile(keyFile, "utf8")) as PrivateSigningKey, keyFile, jwks };
  const pair = await generateSigningKeyPair();
  await writeFile(keyFile, JSON.stringify(pair.privateKey), { mode: 0o600 });
  await writeFile(jwks, JSON.stringify({ keys: [pair.publicKey] }));
  return { key: pair.privateKey, keyFile, jwks };
}

/**
 * The binding key pair of the local gateway, kept like the signing key: the authorizer's private
 * document (mode 0600, the layout `rajee keys binding` writes) and the public half the issuer seals
 * each token's secret to. Credentials issued before a restart stay usable.
 */
async function devBindingKey(dir: string): Promise<LocalBinding> {
  const keysFile = join(dir, "binding-keys.json");
  if (existsSync(keysFile)) {
    const keys = (JSON.parse(await readFile(keysFile, "utf8")) as { keys?: unknown } | null)?.keys;
    if (!Array.isArray(keys) || keys.length === 0) throw new Error(`${keysFile}: not a binding-key document ({"keys": [...]}); delete it to make a new key`);
    return { keysFile, publicKey: bindingPublicPart(parseBindingPrivateKey(keys[0], `${keysFile}: keys[0]`)) };
  }
  const { privateKey, publicKey } = await generateBindingKeyPair();
  await writeFile(keysFile, JSON.stringify({ keys: [privateKey] }), { mode: 0o600 });
  return { keysFile, publicKey };
}

/** Whether nothing listens on `port` at 127.0.0.1 right now. */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, LOOPBACK, () => probe.close(() => resolve(true)));
  });
}

function portInUse(port: number): Error {
  return new Error(
    `port ${port} on ${LOOPBACK} is in use (another 'npm run dev', or another program: 'ss -ltnp' shows which); stop it, or pick another port with --port N, or leave --port out to get a free one`,
  );
}

/** The port to listen on: --port if free, else the last run's if free, else 0 (any). */
async function choosePort(options: DevOptions, io: CommandIO): Promise<number> {
  if (options.port !== undefined) {
    if (!(await portFree(options.port))) throw portInUse(options.port);
    return options.port;
  }
  const file = join(options.dir, PORT_FILE);
  const kept = existsSync(file) ? Number((await readFile(file, "utf8")).trim()) : NaN;
  if (!Number.isInteger(kept) || kept < 1 || kept > 65535) return 0;
  if (await portFree(kept)) return kept;
  io.stderr(`port ${kept} (used last time) is taken; using a new one, so paste the lines below again\n`);
  return 0;
}

/** The issuer's port: the last run's if free (so pasted profiles keep working), else 0 (any). */
async function chooseIssuerPort(dir: string): Promise<number> {
  const file = join(dir, ISSUER_PORT_FILE);
  const kept = existsSync(file) ? Number((await readFile(file, "utf8")).trim()) : NaN;
  return Number.isInteger(kept) && kept >= 1 && kept <= 65535 && (await portFree(kept)) ? kept : 0;
}

/** An AWS config file that turns on virtual-hosted addressing, for AWS_CONFIG_FILE. */
function awsVirtualConfig(region: string): string {
  return `# Written by 'npm run dev': use with AWS_CONFIG_FILE=<this file> for virtual-hosted addressing.\n[default]\nregion = ${region}\ns3 =\n  addressing_style = virtual\n`;
}

export const dev: Command = {
  path: ["dev"],
  summary: "run the gateway locally (moto as S3, authorizer, Envoy emulator)",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, {
      dir: { type: "string" },
      bucket: { type: "string" },
      port: { type: "string" },
      grant: { type: "string", multiple: true },
      ttl: { type: "string" },
      domain: { type: "string" },
      quiet: { type: "boolean" },
      traces: { type: "boolean" },
    });
    const options = devOptions(values);
    const { dir, bucket, domain } = options;

    await mkdir(join(dir, "s3"), { recursive: true });
    const { key, keyFile, jwks } = await devKey(dir);
    const binding = await devBindingKey(dir);
    const token = await mintToken({ key, subject: "dev", grants: [...options.grants], ttlSeconds: options.ttlSeconds, issuer: "rajee", audience: "rajee" });
    const tls = await keptCertificate(dir, domain);
    if (tls.renewed) io.stderr(`made a new HTTPS certificate (${tls.renewed}); clients need the new AWS_CA_BUNDLE below\n`);
    const port = await choosePort(options, io);
    const issuerPort = await chooseIssuerPort(dir);
    const principals = parseDevPrincipals(devPrincipals, "config/dev-principals.json");
    const policy = devEnvironment.issuer.policy;
    const logIssuer = (record: IssuerRequestRecord) => io.stdout(`${issuerLogLine(record)}\n`);

    const receiver = values.traces ? await startOtlpReceiver({ onSpan: (span) => io.stdout(`${spanLine(span)}\n`) }) : undefined;
    io.stderr(`starting moto (S3), the authorizer and the gateway emulator (state in ${dir})...\n`);
    const gateway = await startLocalGateway({
      ...(receiver ? { tracing: { endpoint: receiver.tracesUrl, samplingRatio: 1 } } : {}),
      // The buckets the dev issuance policy names too, so the credentials it issues have something to reach.
      buckets: [...new Set([bucket, ...policyBuckets(policy)])],
      keys: jwks,
      binding,
      env: { [AUTHORIZER_VARIABLES.clientSignatures]: devEnvironment.clientSignatures ?? DEFAULT_CLIENT_SIGNATURES },
      directory: join(dir, "s3"),
      tls,
      virtualHostDomain: domain,
      ...(port ? { port } : {}),
      ...(options.quiet ? {} : { onRequest: (record) => io.stdout(`${formatRequestLine(record)}\n`) }),
      issuer: { principals, policy, privateKey: key, ...(issuerPort ? { port: issuerPort } : {}), ...(options.quiet ? {} : { onRequest: logIssuer }) },
    }).catch((error: NodeJS.ErrnoException) => {
      // Taken between the check above and the listen: the same clear message.
      throw error.code === "EADDRINUSE" && port ? portInUse(port) : error;
    });
    await writeFile(join(dir, PORT_FILE), `${gateway.emulator.port}\n`);
    const issuer = gateway.issuer!;
    await writeFile(join(dir, ISSUER_PORT_FILE), `${issuer.port}\n`);
    const shown = principals.principals[SHOWN_PRINCIPAL]!;
    const allowed = grantsFor(policy, shown.arn);
    const names = issuerProfileNames(SHOWN_PRINCIPAL);
    const issuerConfig = join(dir, AWS_ISSUER_CONFIG_FILE);
    const profiles = allowed
      ? issuerProfiles({
          name: SHOWN_PRINCIPAL,
          principal: shown,
          grants: allowed.grants,
          ttlSeconds: Math.min(PROFILE_TTL_SECONDS, allowed.maxLifetimeSeconds),
          issuerUrl: issuer.url,
          region: LOCAL_REGION,
          gatewayUrl: gateway.url,
          caFile: tls.caFile,
          rajee: RAJEE,
        })
      : undefined;
    if (profiles) await writeFile(issuerConfig, `# Written by 'npm run dev': profiles that get credentials from the local issuer.\n${profiles}`, { mode: 0o600 });
    const listed = allowed?.grants.find((g) => g.startsWith("list:"))?.slice("list:".length);
    const virtualConfig = join(dir, AWS_VIRTUAL_CONFIG_FILE);
    await writeFile(virtualConfig, awsVirtualConfig(LOCAL_REGION));
    const p = gateway.emulator.port;

    io.stdout(`rajee is running at ${gateway.url} (bucket ${bucket}; authorizer ${gateway.authorizerUrl}, operations ${gateway.adminUrl})

Paste into another shell (aws cli v2):
  export AWS_ACCESS_KEY_ID=rajee AWS_SECRET_ACCESS_KEY=rajee AWS_DEFAULT_REGION=${LOCAL_REGION}
  export AWS_CA_BUNDLE=${tls.caFile}
  export AWS_SESSION_TOKEN=${token}
  echo hello > hello.txt
  aws --endpoint-url ${gateway.url} s3 cp hello.txt s3://${bucket}/hello.txt
  aws --endpoint-url ${gateway.url} s3 ls s3://${bucket}/

Virtual-hosted addressing (${bucket}.${domain} must resolve to 127.0.0.1; see docs/end-to-end.md):
  AWS_CONFIG_FILE=${virtualConfig} aws --endpoint-url https://${domain}:${p} s3 ls s3://${bucket}/

Mint other tokens with:
  export AWS_SESSION_TOKEN=$(npm run --silent rajee -- token mint --key ${keyFile} --sub you --grant read:${bucket}/some/prefix/)

Token issuer at ${issuer.url} (sign for ${LOCAL_REGION}): the dev environment's issuance policy
(config/dev.ts), callers' test keys in config/dev-principals.json. ${
      profiles
        ? `${SHOWN_PRINCIPAL} (${shown.arn}) may get ${allowed!.grants.join(", ")}.
Profiles that get her credentials from it, written to ${relative(process.cwd(), issuerConfig) || issuerConfig}; paste into ~/.aws/config, or:
${profiles.replace(/^(?=.)/gm, "  ").trimEnd()}

  AWS_CONFIG_FILE=${issuerConfig} aws --profile ${names.profile} --endpoint-url ${gateway.url} s3 ls s3://${listed ?? `${bucket}/`}`
        : `No rule of it names ${SHOWN_PRINCIPAL} (${shown.arn}).`
    }

Kept in ${dir} and reused on restart: the signing and binding keys, the certificate, port ${p} and the issuer's port ${issuer.port},
so these lines stay valid (the token until it expires). ${options.quiet ? "" : "One line per request follows; "}Ctrl-C to stop.
`);
    // A Ctrl-C may arrive twice (from the terminal and relayed by tsx/npm): stay until saved.
    let stopping = false;
    await new Promise<void>((done) => {
      const stop = () => {
        if (stopping) io.stderr("still saving objects...\n");
        stopping = true;
        done();
      };
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
    });
    io.stderr(`stopping (saving objects to ${join(dir, "s3")})...\n`);
    await gateway.stop();
    await receiver?.close();
    return 0;
  },
};
