import { readFile } from "node:fs/promises";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { secretRegion, type SourceSpec } from "./config";

/**
 * Where a polled document comes from. Two implementations (file, Secrets Manager); tests pass their
 * own to control rotation and outages.
 */
export interface TextSource {
  /** Names the source in logs and errors (a path or an ARN, never the content). */
  readonly description: string;
  /** Reads the current document. Rejects with an Error naming the source when it cannot. */
  read(): Promise<string>;
}

/** A JSON file on disk (local use, `rajee authorizer --jwks-file`). */
export function fileSource(path: string): TextSource {
  return {
    description: `file ${path}`,
    async read() {
      try {
        return await readFile(path, "utf8");
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new Error(`file ${path}: ${code === "ENOENT" ? "no such file" : (error as Error).message}`, { cause: error });
      }
    },
  };
}

/** Longest wait for one Secrets Manager call; a hung call must not hold a refresh forever. */
export const SECRET_READ_TIMEOUT_MS = 5000;

/**
 * The `AWSCURRENT` version of a Secrets Manager secret's string. The client calls the secret's own
 * region (taken from the ARN) and uses the default credential chain (the ECS task role).
 */
export function secretSource(arn: string, client: SecretsManagerClient = new SecretsManagerClient({ region: secretRegion(arn) })): TextSource {
  return {
    description: `secret ${arn}`,
    async read() {
      let output;
      try {
        output = await client.send(new GetSecretValueCommand({ SecretId: arn }), { abortSignal: AbortSignal.timeout(SECRET_READ_TIMEOUT_MS) });
      } catch (error) {
        const name = (error as Error).name;
        throw new Error(`secret ${arn}: GetSecretValue failed (${name}: ${(error as Error).message})`, { cause: error });
      }
      if (typeof output.SecretString !== "string") throw new Error(`secret ${arn}: has no SecretString; store the document as a JSON string`);
      return output.SecretString;
    },
  };
}

/** The source a config entry names. */
export function sourceFor(spec: SourceSpec, client?: SecretsManagerClient): TextSource {
  return spec.kind === "file" ? fileSource(spec.path) : secretSource(spec.arn, client);
}
