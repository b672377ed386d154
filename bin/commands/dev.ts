import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { startLocalGateway } from "../dev/local-gateway";
import { generateSigningKeyPair, type PrivateSigningKey } from "../../src/keys/generate";
import { bucketNameProblem } from "../../src/s3/bucket-name";
import { parseDurationSeconds } from "../../src/duration";
import { mintToken } from "../../src/token/mint";
import { parseOptions, UsageError, type Command } from "../command";

const HELP = `Usage: rajee dev [--dir .dev] [--bucket dev-bucket] [--port 0] [--grant G...] [--ttl 1h]

Runs the whole gateway on 127.0.0.1 without AWS: an S3 stand-in (moto, a local implementation of
the S3 API, behind a layer that checks SigV4, payload hashes and checksums like S3), the real
authorizer with its upstream signer, and an emulator of the Envoy configuration serving HTTPS.
Prints the lines to paste into a shell to use it with the aws cli. Needs moto:
pip install "moto[server]".
Keys and the certificate live in --dir. Objects are saved to --dir/s3 when it stops (Ctrl-C or
SIGTERM) and put back when it starts; a process killed any other way loses the objects written
since it started.

Options:
  --dir DIR        working folder (default .dev)
  --bucket NAME    bucket to create (default dev-bucket)
  --port N         HTTPS port (default: any free port)
  --grant G        grants of the printed token; repeatable (default *:<bucket>/)
  --ttl DURATION   lifetime of the printed token (default 1h)
`;

async function devKey(dir: string): Promise<{ key: PrivateSigningKey; jwks: string }> {
  const keyPath = join(dir, "private.jwk.json");
  const jwks = join(dir, "jwks.json");
  if (existsSync(keyPath) && existsSync(jwks)) return { key: JSON.parse(await readFile(keyPath, "utf8")) as PrivateSigningKey, jwks };
  const pair = await generateSigningKeyPair();
  await writeFile(keyPath, JSON.stringify(pair.privateKey), { mode: 0o600 });
  await writeFile(jwks, JSON.stringify({ keys: [pair.publicKey] }));
  return { key: pair.privateKey, jwks };
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
    });
    const dir = resolve(values.dir ?? ".dev");
    const bucket = values.bucket ?? "dev-bucket";
    const problem = bucketNameProblem(bucket);
    if (problem) throw new UsageError(`--bucket ${bucket} ${problem}`);
    const port = values.port === undefined ? 0 : Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port ${values.port} is not a port number`);
    const ttlSeconds = parseDurationSeconds(values.ttl ?? "1h");
    if (!ttlSeconds) throw new UsageError(`--ttl ${values.ttl} is not a duration; use e.g. 15m or 1h`);

    await mkdir(join(dir, "s3"), { recursive: true });
    const { key, jwks } = await devKey(dir);
    io.stderr(`starting moto (S3), the authorizer and the gateway emulator (state in ${dir})...\n`);
    const gateway = await startLocalGateway({ buckets: [bucket], keys: jwks, directory: join(dir, "s3"), ...(port ? { port } : {}) });
    const caFile = join(dir, "gateway-ca.pem");
    await writeFile(caFile, gateway.caCertificate);
    const token = await mintToken({ key, subject: "dev", grants: values.grant ?? [`*:${bucket}/`], ttlSeconds, issuer: "rajee", audience: "rajee" });

    io.stdout(`rajee is running at ${gateway.url} (bucket ${bucket}; authorizer ${gateway.authorizerUrl}, operations ${gateway.adminUrl})

Paste into another shell (aws cli v2):
  export AWS_ACCESS_KEY_ID=rajee AWS_SECRET_ACCESS_KEY=rajee AWS_DEFAULT_REGION=eu-west-1
  export AWS_CA_BUNDLE=${caFile}
  export AWS_SESSION_TOKEN=${token}
  echo hello > hello.txt
  aws --endpoint-url ${gateway.url} s3 cp hello.txt s3://${bucket}/hello.txt
  aws --endpoint-url ${gateway.url} s3 ls s3://${bucket}/

Mint other tokens with: npm run rajee -- token mint --key ${join(dir, "private.jwk.json")} --sub you --grant read:${bucket}/some/prefix/
Ctrl-C to stop.
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
    return 0;
  },
};
