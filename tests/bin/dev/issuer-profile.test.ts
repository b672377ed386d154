import { execFileSync } from "node:child_process";
import { dev } from "../../../config/dev";
import devPrincipals from "../../../config/dev-principals.json";
import { parseDevPrincipals } from "../../../bin/dev/issuer-endpoint";
import { grantsFor, issuerProfileNames, issuerProfiles, policyBuckets } from "../../../bin/dev/issuer-profile";

const principals = parseDevPrincipals(devPrincipals, "config/dev-principals.json").principals;

describe("what npm run dev shows for the local issuer", () => {
  it("expands the dev policy's grants for each dev principal it names, and names none for the outsider", () => {
    expect(grantsFor(dev.issuer.policy, principals.alice!.arn)?.grants).toEqual(["read:rajee-dev-data/users/alice/", "list:rajee-dev-data/users/alice/", "write:rajee-dev-data/users/alice/"]);
    expect(grantsFor(dev.issuer.policy, principals.bob!.arn)?.grants).toContain("read:rajee-dev-data/users/bob/");
    expect(grantsFor(dev.issuer.policy, principals.ci!.arn)).toEqual({ grants: ["write:rajee-dev-data/ci/"], maxLifetimeSeconds: 3600 });
    expect(grantsFor(dev.issuer.policy, principals.outsider!.arn)).toBeUndefined();
    expect(grantsFor(dev.issuer.policy, "not an arn")).toBeUndefined();
  });

  it("creates the buckets a policy names, skipping variable and wildcard buckets", () => {
    expect(policyBuckets(dev.issuer.policy)).toEqual(["rajee-dev-data"]);
    expect(policyBuckets({ rules: [{ principals: ["111111111111"], grants: ["read:a-bucket/x/", "read:${aws:accountId}-b/", "*:a-bucket/", "read:c-bucket/"], maxLifetimeSeconds: 900 }] })).toEqual(["a-bucket", "c-bucket"]);
  });

  it("writes a keys profile and a credential_process profile botocore reads", () => {
    const text = issuerProfiles({
      name: "alice",
      principal: principals.alice!,
      grants: ["read:rajee-dev-data/users/alice/", "list:rajee-dev-data/users/alice/"],
      ttlSeconds: 3600,
      issuerUrl: "http://127.0.0.1:4000/",
      region: "eu-west-1",
      gatewayUrl: "https://127.0.0.1:8443",
      caFile: "/tmp/ca.pem",
      rajee: "node /opt/rajee/bin/rajee.js",
    });
    const names = issuerProfileNames("alice");
    const script = `
import configparser, json, sys
c = configparser.ConfigParser(); c.read_string(sys.stdin.read())
print(json.dumps({s: dict(c[s]) for s in c.sections()}))`;
    let parsed: Record<string, Record<string, string>>;
    try {
      parsed = JSON.parse(execFileSync("python3", ["-c", script], { input: text, encoding: "utf8" }));
    } catch {
      // Without python3, check the lines themselves.
      parsed = { [`profile ${names.profile}`]: { credential_process: /credential_process = (.*)/.exec(text)![1]! } };
    }
    expect(parsed[`profile ${names.profile}`]!.credential_process).toBe(
      `node /opt/rajee/bin/rajee.js token credential-process --url http://127.0.0.1:4000/ --region eu-west-1 --profile ${names.keys} --ttl 3600 --grant read:rajee-dev-data/users/alice/ --grant list:rajee-dev-data/users/alice/`,
    );
    expect(text).toContain(`[profile ${names.keys}]\naws_access_key_id = ${principals.alice!.accessKeyId}\naws_secret_access_key = ${principals.alice!.secretAccessKey}\n`);
    expect(text).toContain("endpoint_url = https://127.0.0.1:8443\nca_bundle = /tmp/ca.pem\n");
  });
});
