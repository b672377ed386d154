import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { parseDevPrincipals, type IssuerRequestRecord } from "../../bin/dev/issuer-endpoint";
import { LOCAL_REGION, startLocalGateway, type LocalGateway } from "../../bin/dev/local-gateway";
import devPrincipals from "../../config/dev-principals.json";
import type { IssuancePolicy } from "../../src/issuance/policy";
import { generateSigningKeyPair } from "../../src/keys/generate";
import { generateBindingKeyPair } from "../../src/token/binding";
import { makeTempDir, removeTempDir } from "../support/temp";

/**
 * A local gateway with the token issuer beside it (binding every token; the authorizer requires
 * bound tokens and checks the client's signature with the sealed secret), and an AWS config whose profiles get their
 * credentials from `rajee token credential-process` (run as a process, as the aws cli and boto3 run
 * it), each calling the issuer with a dev principal's keys from a credentials file.
 */

/** Data scientists (config/dev-principals.json's alice and bob) may list and read their own prefix and read shared/; nobody may write shared/. */
export const ISSUANCE_POLICY: IssuancePolicy = {
  rules: [
    {
      principals: ["arn:aws:iam::111111111111:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_DataScientist_0123456789abcdef"],
      grants: ["list:data/users/${aws:sessionName}/", "read:data/users/${aws:sessionName}/", "read:data/shared/"],
      maxLifetimeSeconds: 3600,
    },
  ],
};

/** Objects put before the tests: the key and its text. */
export const OBJECTS: Readonly<Record<string, string>> = {
  "users/alice/a.txt": "alice's data",
  "users/bob/b.txt": "bob's data",
  "shared/s.txt": "shared data",
};

/** Profile names in the AWS config: what each asks the issuer for. */
export const PROFILES = {
  /** alice's own prefix: inside the policy. */
  alice: "alice",
  /** write on shared/: outside the policy, refused by the issuer. */
  aliceWritesShared: "alice-writes-shared",
  /** a principal no rule names. */
  outsider: "outsider",
  /** calls the issuer with its own credentials, i.e. runs itself: refused, not recursed. */
  loop: "loop",
} as const;

export interface IssuerFixture {
  readonly gateway: LocalGateway;
  readonly issuerUrl: string;
  readonly dir: string;
  /** Where credential-process caches (XDG_CACHE_HOME/rajee/credentials). */
  readonly cacheDir: string;
  /** The environment for aws cli and boto3 processes: the config files, the gateway's CA, nothing of the user's. */
  readonly env: Record<string, string>;
  /** The gateway's CA certificate file (AWS_CA_BUNDLE for the aws cli and boto3, NODE_EXTRA_CA_CERTS for Node). */
  readonly caFile: string;
  /** One entry per request the issuer answered: the caller, the status and, for a refusal, why. */
  readonly issuerRequests: IssuerRequestRecord[];
  stop(): Promise<void>;
}

const RAJEE = join(__dirname, "../../bin/rajee.js");

export async function startIssuerFixture(): Promise<IssuerFixture> {
  const dir = makeTempDir("issuer-e2e");
  const issuerRequests: IssuerRequestRecord[] = [];
  let gateway: LocalGateway | undefined;
  try {
    const pair = await generateSigningKeyPair();
    const jwks = join(dir, "jwks.json");
    await writeFile(jwks, JSON.stringify({ keys: [pair.publicKey] }));
    // The issuer binds every token to this key, and the authorizer refuses any token that is not bound.
    const binding = await generateBindingKeyPair();
    const bindingKeys = join(dir, "binding-keys.json");
    await writeFile(bindingKeys, JSON.stringify({ keys: [binding.privateKey] }), { mode: 0o600 });
    const principals = parseDevPrincipals(devPrincipals, "config/dev-principals.json");
    gateway = await startLocalGateway({
      buckets: ["data"],
      keys: jwks,
      binding: { keysFile: bindingKeys, publicKey: binding.publicKey },
      env: { RAJEE_RATE_LIMIT_PER_SECOND: "0", RAJEE_CLIENT_SIGNATURES: "required" },
      issuer: { principals, policy: ISSUANCE_POLICY, privateKey: pair.privateKey, onRequest: (record) => issuerRequests.push(record) },
    });
    const issuerUrl = gateway.issuer!.url;

    const seed = new S3Client({ endpoint: gateway.standIn.motoUrl, region: LOCAL_REGION, forcePathStyle: true, credentials: { accessKeyId: "setup", secretAccessKey: "setup" } });
    for (const [key, text] of Object.entries(OBJECTS)) await seed.send(new PutObjectCommand({ Bucket: "data", Key: key, Body: text }));
    seed.destroy();

    const started = gateway;
    const caFile = join(dir, "gateway-ca.pem");
    const configFile = join(dir, "aws-config");
    const credentialsFile = join(dir, "aws-credentials");
    const cacheHome = join(dir, "cache");
    // The files and cache are named in the command too, for clients (the JavaScript SDK) that start it with their own environment.
    const files = `env XDG_CACHE_HOME=${cacheHome} AWS_CONFIG_FILE=${configFile} AWS_SHARED_CREDENTIALS_FILE=${credentialsFile}`;
    const credentialProcess = (keys: string, grants: string[]) =>
      `${files} node ${RAJEE} token credential-process --url ${issuerUrl} --region ${LOCAL_REGION} --profile ${keys} ${grants.map((g) => `--grant ${g}`).join(" ")}`;
    const profile = (name: string, command: string) =>
      `[profile ${name}]\nregion = ${LOCAL_REGION}\nendpoint_url = ${started.url}\ncredential_process = ${command}\ns3 =\n  addressing_style = path\n`;
    await writeFile(caFile, gateway.caCertificate);
    await writeFile(
      configFile,
      [
        profile(PROFILES.alice, credentialProcess("alice-keys", ["list:data/users/alice/", "read:data/users/alice/"])),
        profile(PROFILES.aliceWritesShared, credentialProcess("alice-keys", ["write:data/shared/"])),
        profile(PROFILES.outsider, credentialProcess("outsider-keys", ["read:data/shared/"])),
        profile(PROFILES.loop, credentialProcess(PROFILES.loop, ["read:data/shared/"])),
      ].join("\n"),
    );
    const keys = (name: string, p: { accessKeyId: string; secretAccessKey: string }) => `[${name}]\naws_access_key_id = ${p.accessKeyId}\naws_secret_access_key = ${p.secretAccessKey}\n`;
    await writeFile(credentialsFile, [keys("alice-keys", principals.principals.alice!), keys("outsider-keys", principals.principals.outsider!)].join("\n"), { mode: 0o600 });

    return {
      gateway,
      issuerUrl,
      dir,
      cacheDir: join(cacheHome, "rajee", "credentials"),
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        XDG_CACHE_HOME: cacheHome,
        AWS_CONFIG_FILE: configFile,
        AWS_SHARED_CREDENTIALS_FILE: credentialsFile,
        AWS_CA_BUNDLE: caFile,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_PAGER: "",
        GATEWAY_URL: gateway.url,
        // The run's temp folder, where tsx (starting rajee for credential_process) keeps its cache.
        ...(process.env.TMPDIR ? { TMPDIR: process.env.TMPDIR } : {}),
      },
      caFile,
      issuerRequests,
      stop: async () => {
        await started.stop();
        removeTempDir(dir);
      },
    };
  } catch (error) {
    await gateway?.stop();
    removeTempDir(dir);
    throw error;
  }
}
