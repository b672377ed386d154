import fc from "fast-check";
import { resolve } from "node:path";
import { UsageError } from "../../../bin/command";
import { DEFAULT_DEV_DOMAIN, devOptions } from "../../../bin/commands/dev-options";
import { DEFAULT_MAX_LIFETIME_SECONDS } from "../../../src/token/policy";

function refusal(values: Parameters<typeof devOptions>[0]): string {
  try {
    devOptions(values);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error("expected a UsageError");
}

describe("rajee dev options", () => {
  it("fills the documented defaults", () => {
    expect(devOptions({})).toEqual({
      dir: resolve(".dev"),
      bucket: "dev-bucket",
      port: undefined,
      grants: ["*:dev-bucket/"],
      ttlSeconds: 3600,
      domain: DEFAULT_DEV_DOMAIN,
      quiet: false,
    });
  });

  it("grants the whole chosen bucket by default", () => {
    expect(devOptions({ bucket: "photos" }).grants).toEqual(["*:photos/"]);
  });

  it.each([
    [{ grant: ["bad grant"] }, /^--grant: grant "bad grant" has no ':'/],
    [{ grant: ["read:dev-bucket/", "peek:dev-bucket/"] }, /^--grant: grant "peek:dev-bucket\/" has access "peek"; use read, list, write, delete or \*/],
    [{ grant: ["read:Bad_Bucket/"] }, /^--grant: grant "read:Bad_Bucket\/" names bucket/],
    [{ port: "99999" }, /^--port 99999 is not a port number; use 1-65535/],
    [{ port: "0x50" }, /^--port 0x50 is not a port number/],
    [{ port: "0" }, /^--port 0 is not a port number/],
    [{ ttl: "soon" }, /^--ttl soon is not a duration; use e\.g\. 15m or 1h$/],
    [{ ttl: "0s" }, /^--ttl 0s is not a duration/],
    [{ ttl: "13h" }, /^--ttl 13h is over the gateway's maximum token lifetime of 12h \(43200 s\), so the gateway would refuse the token; use at most 12h$/],
    [{ bucket: "Bad_Bucket" }, /^--bucket Bad_Bucket /],
    [{ domain: "localhost" }, /^--domain localhost is not a DNS name with a dot; use e\.g\. rajee\.localhost$/],
    [{ domain: "a b.test" }, /^--domain a b\.test is not a DNS name/],
  ])("refuses %j naming the option, the value and the fix", (values, message) => {
    expect(refusal(values)).toMatch(message);
  });

  it("accepts a token lifetime up to the gateway's maximum and refuses every one above it", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 3 * DEFAULT_MAX_LIFETIME_SECONDS }), (seconds) => {
        const accepted = (() => {
          try {
            return devOptions({ ttl: `${seconds}s` }).ttlSeconds === seconds;
          } catch (error) {
            expect((error as Error).message).toContain(`maximum token lifetime of 12h`);
            return false;
          }
        })();
        expect(accepted).toBe(seconds <= DEFAULT_MAX_LIFETIME_SECONDS);
      }),
    );
  });

  it("keeps a valid port, grants, domain (lower-cased) and --quiet", () => {
    const options = devOptions({ port: "8443", grant: ["read:dev-bucket/a/", "list:dev-bucket/"], domain: "S3.Local.Test", quiet: true, dir: "state" });
    expect(options).toMatchObject({ port: 8443, grants: ["read:dev-bucket/a/", "list:dev-bucket/"], domain: "s3.local.test", quiet: true, dir: resolve("state") });
    expect(Object.isFrozen(options)).toBe(true);
  });
});
