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
    stop: async () => {
      await gateway.stop();
      removeTempDir(dir);
    },
  };
}
