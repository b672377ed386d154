import { createHash } from "node:crypto";
import { tokenRequestCommand } from "../../../bin/commands/token-request";
import { verifySigV4 } from "../../../bin/dev/sigv4-verify";
import type { IssuerAnswer, SignedIssuerRequest } from "../../../bin/issuer-client";
import type { IssuerDeps } from "../../../bin/issuer-call";
import { rajee } from "../../support/cli";

const URL_TEXT = "https://abc123def456.lambda-url.eu-central-1.on.aws/";
const CALLER = { accessKeyId: "ASIACALLER0000000001", secretAccessKey: "caller-secret", sessionToken: "caller-session" };
const NOW = new Date("2026-05-01T10:00:00Z");
const ISSUED = {
  credentials: { AccessKeyId: "ASIAISSUED0000000001", SecretAccessKey: "issued-secret", SessionToken: "eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJhIn0.sig", Expiration: "2026-05-01T11:00:00.000Z" },
  grants: ["read:data/a/"],
  jti: "j-1",
  expiresAt: "2026-05-01T11:00:00.000Z",
};

/** Deps whose transport records each request and answers `answer`; credentials from `profile` are CALLER. */
function fakeDeps(answer: IssuerAnswer, options: { region?: string; credentialsError?: Error } = {}) {
  const sent: SignedIssuerRequest[] = [];
  const profiles: (string | undefined)[] = [];
  const deps: IssuerDeps = {
    credentials: async (profile) => {
      profiles.push(profile);
      if (options.credentialsError) throw options.credentialsError;
      return CALLER;
    },
    region: async () => options.region,
    send: async (request) => {
      sent.push(request);
      return answer;
    },
    now: () => NOW,
  };
  return { deps, sent, profiles };
}

async function run(deps: IssuerDeps, args: string[]) {
  let stdout = "";
  let stderr = "";
  const code = await tokenRequestCommand(deps).run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: {} });
  return { code, stdout, stderr };
}

describe("rajee token request", () => {
  it("prints the issued token on one line, after a POST a Function URL would accept", async () => {
    const { deps, sent, profiles } = fakeDeps({ status: 200, body: JSON.stringify(ISSUED) });
    const result = await run(deps, ["--url", URL_TEXT, "--grant", "read:data/a/", "--ttl", "1h", "--profile", "sso"]);
    expect(result).toEqual({ code: 0, stdout: `${ISSUED.credentials.SessionToken}\n`, stderr: "" });
    expect(profiles).toEqual(["sso"]);
    expect(sent).toHaveLength(1);
    const request = sent[0]!;
    expect(JSON.parse(request.body)).toEqual({ grants: ["read:data/a/"], ttlSeconds: 3600 });
    const payloadHash = createHash("sha256").update(request.body).digest("hex");
    expect(verifySigV4({ method: request.method, target: request.url.pathname, headers: request.headers }, CALLER, "eu-central-1", NOW, { service: "lambda", payloadHash })).toMatchObject({ ok: true });
  });

  it("signs for --region with a local issuer URL", async () => {
    const { deps, sent } = fakeDeps({ status: 200, body: JSON.stringify(ISSUED) });
    await run(deps, ["--url", "http://127.0.0.1:9999/", "--grant", "read:data/a/", "--region", "eu-west-1"]);
    expect(sent[0]!.headers.authorization).toContain("/eu-west-1/lambda/aws4_request");
  });

  it("passes the issuer's refusal on with its code and message", async () => {
    const message = "grant write:data/x/ is not covered by any rule for arn:aws:sts::111111111111:assumed-role/DataScientist/alice";
    const { deps } = fakeDeps({ status: 403, body: JSON.stringify({ error: { code: "AccessDenied", message } }) });
    await expect(run(deps, ["--url", URL_TEXT, "--grant", "write:data/x/"])).rejects.toThrow(`the issuer refused (403 AccessDenied): ${message}`);
  });

  it("says where it looked when there are no AWS credentials", async () => {
    const { deps, sent } = fakeDeps({ status: 200, body: "{}" }, { credentialsError: new Error("Could not load credentials from any providers") });
    await expect(run(deps, ["--url", URL_TEXT, "--grant", "read:data/a/"])).rejects.toThrow(/no AWS credentials to sign the call to the issuer from the default chain .*Could not load credentials/);
    await expect(run(deps, ["--url", URL_TEXT, "--grant", "read:data/a/", "--profile", "sso"])).rejects.toThrow(/from profile sso: /);
    expect(sent).toEqual([]);
  });

  it("refuses bad options before anything is signed, exiting 2", async () => {
    for (const [args, message] of [
      [["--grant", "read:data/a/"], "missing required option --url"],
      [["--url", URL_TEXT], "at least one --grant is required"],
      [["--url", URL_TEXT, "--grant", "read:nobucket"], "--grant: "],
      [["--url", URL_TEXT, "--grant", "read:data/a/", "--ttl", "soon"], "--ttl soon is not a duration"],
      [["--url", URL_TEXT, "--grant", "read:data/a/", "--ttl", "0"], "--ttl 0 is not a duration"],
      [["--url", "http://issuer.example.com/", "--grant", "read:data/a/"], "is not https"],
      [["--url", URL_TEXT, "--grant", "read:data/a/", "--profile", ""], "--profile is empty"],
      [["--url", URL_TEXT, "--grant", "read:data/a/", "--region", "us-east-1"], "contradicts the Function URL"],
    ] as const) {
      const result = await rajee(["token", "request", ...args]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stdout).toBe("");
    }
  });

  it("is listed with the other commands", async () => {
    const help = await rajee(["--help"]);
    expect(help.stdout).toMatch(/token request\s+get a token from the issuer/);
    expect(help.stdout).toMatch(/token credential-process\s+credential_process for AWS profiles/);
    expect((await rajee(["token", "request", "--help"])).stdout).toContain("--profile NAME");
  });
});
