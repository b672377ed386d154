import { writeFile } from "node:fs/promises";
import https from "node:https";
import { join } from "node:path";
import { S3Client } from "@aws-sdk/client-s3";
import { startLocalGateway, type LocalGateway } from "../../bin/dev/local-gateway";
import { generateSigningKeyPair, type GeneratedKeyPair } from "../../src/keys/generate";
import { mintToken } from "../../src/token/mint";
import { makeTempDir, removeTempDir } from "./temp";

/** A local gateway with a fresh keyring, and helpers to mint tokens and make S3 clients for it. */
export interface GatewayFixture {
  readonly gateway: LocalGateway;
  readonly dir: string;
  readonly caFile: string;
  readonly pair: GeneratedKeyPair;
  mint(grants: string[], subject?: string): Promise<string>;
  /** An SDK v3 client with the token as its session token, default checksum settings, no retries. */
  client(token: string): S3Client;
  /**
   * The environment an aws cli (v1 or v2) or boto3 process needs for this gateway: the token as the
   * session token, the gateway's CA, path-style addressing in a config file under `dir`, nothing
   * read from the user's own configuration.
   */
  awsEnvironment(token: string): Promise<Record<string, string>>;
  /** Stops the gateway, then removes `dir`. */
  stop(): Promise<void>;
}

export async function startGatewayFixture(buckets: string[]): Promise<GatewayFixture> {
  const dir = makeTempDir("e2e");
  const pair = await generateSigningKeyPair();
  const jwks = join(dir, "jwks.json");
  await writeFile(jwks, JSON.stringify({ keys: [pair.publicKey] }));
  const gateway = await startLocalGateway({ buckets, keys: jwks, env: { RAJEE_RATE_LIMIT_PER_SECOND: "0" } });
  const caFile = join(dir, "gateway-ca.pem");
  await writeFile(caFile, gateway.caCertificate);
  const agent = new https.Agent({ ca: gateway.caCertificate, keepAlive: true });
  return {
    gateway,
    dir,
    caFile,
    pair,
    mint: (grants, subject = "e2e") => mintToken({ key: pair.privateKey, subject, grants, ttlSeconds: 900, issuer: "rajee", audience: "rajee" }),
    client: (token) =>
      new S3Client({
        endpoint: gateway.url,
        forcePathStyle: true,
        region: "eu-west-1",
        maxAttempts: 1,
        credentials: { accessKeyId: "AKIDANYTHING", secretAccessKey: "anything", sessionToken: token },
        requestHandler: { httpsAgent: agent },
      }),
    awsEnvironment: async (token) => {
      const config = join(dir, "aws-config");
      await writeFile(config, "[default]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n");
      return {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: dir,
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: join(dir, "no-credentials"),
        AWS_ACCESS_KEY_ID: "AKIDANYTHING",
        AWS_SECRET_ACCESS_KEY: "anything",
        AWS_SESSION_TOKEN: token,
        AWS_CA_BUNDLE: caFile,
        AWS_EC2_METADATA_DISABLED: "true",
        AWS_PAGER: "",
      };
    },
    stop: async () => {
      await gateway.stop();
      removeTempDir(dir);
    },
  };
}
