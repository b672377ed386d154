import fc from "fast-check";
import { ConfigError } from "../../src/config-error";
import { envoySettings, type EnvoySettingsInput } from "../../envoy-templates";
import { envoySettingsForEnvironment, envoySettingsInputForEnvironment } from "../../envoy-templates/environment";
import { ENVOY_IMAGE, ENVOY_VERSION } from "../../envoy-templates/image";

describe("envoySettings defaults", () => {
  const s = envoySettings({ s3Region: "eu-west-1" });

  it("derives the S3 endpoint from the region and always uses TLS on 443", () => {
    expect(s.s3Endpoint).toBe("s3.eu-west-1.amazonaws.com");
    expect(s.s3Port).toBe(443);
    expect(s.s3TrustedCaFile).toBe("/etc/ssl/certs/ca-certificates.crt");
  });

  it("uses the task's fixed ports and binds admin and the authorizer to loopback", () => {
    expect({
      listener: [s.listenerAddress, s.listenerPort],
      health: s.healthPort,
      admin: [s.adminAddress, s.adminPort],
      authorizer: [s.authorizerAddress, s.authorizerPort, s.authorizerAdminPort],
    }).toEqual({
      listener: ["0.0.0.0", 8080],
      health: 8081,
      admin: ["127.0.0.1", 9901],
      authorizer: ["127.0.0.1", 9000, 9001],
    });
    expect(s.healthPath).toBe("/ready");
    expect(s.livePath).toBe("/live");
    expect(s.authorizerReadyPath).toBe("/readyz");
  });

  it("exposes the ext_authz contract as data for the gateway emulator", () => {
    expect(s.extAuthz).toEqual({
      failureModeAllow: false,
      statusOnError: 503,
      timeoutMs: 1000,
      encodeRawHeaders: true,
      allowedRequestHeaders: {
        exact: [
          "authorization",
          "content-md5",
          "content-type",
          "content-encoding",
          "x-request-id",
          "content-disposition",
          "content-language",
          "cache-control",
          "expires",
          "date",
          "range",
          "if-match",
          "if-none-match",
          "if-modified-since",
          "if-unmodified-since",
          "accept-encoding",
          "x-rajee-client-content-length",
        ],
        prefixes: ["x-amz-", "amz-sdk-"],
      },
      allowedUpstreamHeaders: ["authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256", "x-rajee-upstream-path", "x-amz-copy-source"],
      allowedClientHeaders: ["content-type", "x-amz-request-id", "retry-after", "x-amz-error-code", "x-amz-error-message"],
      removedRequestHeaderPrefixes: ["x-rajee-", "x-envoy-"],
      upstreamPathHeader: "x-rajee-upstream-path",
      clientContentLengthHeader: "x-rajee-client-content-length",
      deleteObjects: { method: "POST", queryParameter: "delete", maxRequestBytes: 2097152, allowPartialMessage: false },
    });
  });

  it("never rewrites paths", () => {
    expect(s.paths).toEqual({ normalizePath: false, mergeSlashes: false, escapedSlashesAction: "KEEP_UNCHANGED" });
  });

  it("retries only GET and HEAD, on 5xx from S3", () => {
    expect(s.s3RetryMethods).toEqual(["GET", "HEAD"]);
    expect(s.s3RetriableStatusCodes).toEqual([500, 502, 503, 504]);
    expect(s.s3RetryCount).toBe(2);
  });

  it("gives ECS a stop timeout 10 s longer than the drain time", () => {
    expect(s.drainTimeSeconds).toBe(20);
    expect(s.stopTimeoutSeconds).toBe(30);
  });

  it("buffers at least a whole DeleteObjects body per connection", () => {
    expect(s.perConnectionBufferLimitBytes).toBeGreaterThanOrEqual(s.extAuthz.deleteObjects.maxRequestBytes);
  });

  it("is frozen, nested lists included", () => {
    expect(Object.isFrozen(s)).toBe(true);
    expect(Object.isFrozen(s.extAuthz)).toBe(true);
    expect(Object.isFrozen(s.extAuthz.allowedUpstreamHeaders)).toBe(true);
    expect(Object.isFrozen(s.extAuthz.allowedRequestHeaders.exact)).toBe(true);
  });
});

describe("envoySettings validation", () => {
  const base: EnvoySettingsInput = { s3Region: "eu-west-1" };
  const error = (input: EnvoySettingsInput) => {
    try {
      envoySettings(input);
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as Error).message;
    }
    throw new Error("expected a ConfigError");
  };

  it("rejects a region that is not an AWS region name", () => {
    expect(error({ s3Region: "Europe" })).toBe('envoy: s3Region="Europe" is not an AWS region name; use e.g. "eu-west-1"');
  });

  it("rejects an endpoint with a scheme or port, naming the fix", () => {
    expect(error({ ...base, s3Endpoint: "https://s3.eu-west-1.amazonaws.com" })).toBe(
      'envoy: s3Endpoint="https://s3.eu-west-1.amazonaws.com" is not a lower-case DNS host name; use a host without scheme or port, e.g. "s3.eu-west-1.amazonaws.com"',
    );
    expect(error({ ...base, s3Endpoint: "s3.eu-west-1.amazonaws.com:443" })).toMatch(/^envoy: s3Endpoint=/);
  });

  it("rejects two settings that share a port", () => {
    expect(error({ ...base, healthPort: 9901 })).toBe("envoy: adminPort=9901 is the same as healthPort; every port in the task must be distinct");
  });

  it("rejects out-of-range and non-integer numbers with the allowed range", () => {
    expect(error({ ...base, listenerPort: 70000 })).toBe("envoy: listenerPort=70000 is not an integer in 1-65535; use a value in that range");
    expect(error({ ...base, authorizerTimeoutMs: 1.5 })).toBe(
      "envoy: authorizerTimeoutMs=1.5 is not an integer in 50-30000 ms; use a value in that range",
    );
    expect(error({ ...base, s3RetryCount: 6 })).toBe("envoy: s3RetryCount=6 is not an integer in 0-5; use a value in that range");
  });

  it("keeps the drain time inside the ECS stop timeout limit", () => {
    expect(error({ ...base, drainTimeSeconds: 111 })).toBe(
      "envoy: drainTimeSeconds=111 is not an integer in 1-110 s (ECS stop timeout is at most 120 s and needs a 10 s margin); use a value in that range",
    );
    expect(envoySettings({ ...base, drainTimeSeconds: 110 }).stopTimeoutSeconds).toBe(120);
  });

  it("accepts any in-range tuning and reflects it exactly", () => {
    fc.assert(
      fc.property(
        fc.record({
          authorizerTimeoutMs: fc.integer({ min: 50, max: 30_000 }),
          drainTimeSeconds: fc.integer({ min: 1, max: 110 }),
          s3RetryCount: fc.integer({ min: 0, max: 5 }),
          s3MaxRequests: fc.integer({ min: 1, max: 1_000_000 }),
        }),
        (tuning) => {
          const s = envoySettings({ ...base, ...tuning });
          expect(s.extAuthz.timeoutMs).toBe(tuning.authorizerTimeoutMs);
          expect(s.drainTimeSeconds).toBe(tuning.drainTimeSeconds);
          expect(s.stopTimeoutSeconds).toBeLessThanOrEqual(120);
          expect(s.s3RetryCount).toBe(tuning.s3RetryCount);
          expect(s.s3MaxRequests).toBe(tuning.s3MaxRequests);
          expect(s.extAuthz.failureModeAllow).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe("envoySettingsForEnvironment", () => {
  it("takes the region and sizes the heap limit from the Envoy container's memory", () => {
    expect(envoySettingsInputForEnvironment({ region: "us-east-1", task: { envoy: { memoryMiB: 512 } } })).toEqual({
      s3Region: "us-east-1",
      maxHeapSizeBytes: 384 * 1024 * 1024,
    });
    const s = envoySettingsForEnvironment({ region: "us-east-1" });
    expect(s.s3Endpoint).toBe("s3.us-east-1.amazonaws.com");
    expect(s.maxHeapSizeBytes).toBe(192 * 1024 * 1024);
  });
});

describe("ENVOY_IMAGE", () => {
  it("pins Envoy 1.34 or later by tag and sha256 digest", () => {
    const match = /^envoyproxy\/envoy:v(\d+)\.(\d+)\.(\d+)@sha256:[0-9a-f]{64}$/.exec(ENVOY_IMAGE);
    expect(match).not.toBeNull();
    const [, major, minor] = match!.map(Number);
    expect(major! > 1 || (major === 1 && minor! >= 34)).toBe(true);
    expect(ENVOY_IMAGE).toContain(`:v${ENVOY_VERSION}@`);
  });
});

describe("envoySettings downstreamHttp", () => {
  it("defaults to Envoy's limits, HTTP/1.0 refused and underscores allowed (S3 metadata names may hold them)", () => {
    expect(envoySettings({ s3Region: "eu-west-1" }).downstreamHttp).toEqual({
      acceptHttp10: false,
      headersWithUnderscoresAction: "ALLOW",
      maxRequestHeadersKb: 60,
      maxHeadersCount: 100,
      proxy100Continue: false,
    });
  });

  it("takes each field from the input", () => {
    const s = envoySettings({ s3Region: "eu-west-1", acceptHttp10: true, headersWithUnderscoresAction: "ALLOW", maxRequestHeadersKb: 8192, maxHeadersCount: 1 });
    expect(s.downstreamHttp).toMatchObject({ acceptHttp10: true, headersWithUnderscoresAction: "ALLOW", maxRequestHeadersKb: 8192, maxHeadersCount: 1 });
  });

  it.each([
    [{ headersWithUnderscoresAction: "DROP" }, 'envoy: headersWithUnderscoresAction="DROP" is not an Envoy action; use one of ALLOW, REJECT_REQUEST, DROP_HEADER'],
    [{ acceptHttp10: "yes" }, 'envoy: acceptHttp10="yes" is not a boolean; use true or false'],
    [{ maxRequestHeadersKb: 0 }, "envoy: maxRequestHeadersKb=0 is not an integer in 1-8192 KiB; use a value in that range"],
    [{ maxRequestHeadersKb: 8193 }, "envoy: maxRequestHeadersKb=8193 is not an integer in 1-8192 KiB; use a value in that range"],
    [{ maxHeadersCount: 0 }, "envoy: maxHeadersCount=0 is not an integer in 1-10000; use a value in that range"],
  ])("refuses %j with one ConfigError naming the setting", (extra, message) => {
    expect(() => envoySettings({ s3Region: "eu-west-1", ...(extra as Partial<EnvoySettingsInput>) })).toThrow(new ConfigError(message));
  });
});
