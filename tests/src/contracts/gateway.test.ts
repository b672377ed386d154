import { envoySettings, REMOVED_REQUEST_HEADER_PREFIXES } from "../../../envoy-templates/settings";
import { DEFAULT_ADMIN_LISTEN, DEFAULT_LISTEN, parseConfig } from "../../../handlers/authorizer/config";
import { DEFAULT_HEALTH_CHECK_PATH, DEFAULT_HEALTH_CHECK_PORT, DEFAULT_TARGET_PORT } from "../../../modules/load-balancer/load-balancer";
import {
  DEFAULT_AUTHORIZER_ADMIN_PORT,
  DEFAULT_AUTHORIZER_PORT,
  DEFAULT_HEALTH_PORT,
  DEFAULT_LIVE_PATH,
  DEFAULT_LISTENER_PORT,
} from "../../../modules/proxy-service/proxy-service";
import { MAX_HEADER_BYTES as AUTHORIZER_MAX_HEADER_BYTES } from "../../../handlers/authorizer/server";
import * as gateway from "../../../src/contracts/gateway";

describe("the gateway contract", () => {
  const envoy = envoySettings({ s3Region: "eu-west-1" });

  it("gives every listener in the task its own port and every health endpoint its own path", () => {
    const ports = [gateway.ENVOY_LISTENER_PORT, gateway.ENVOY_HEALTH_PORT, gateway.ENVOY_ADMIN_PORT, gateway.AUTHORIZER_PORT, gateway.AUTHORIZER_ADMIN_PORT];
    expect(new Set(ports).size).toBe(ports.length);
    const adminPaths = [gateway.AUTHORIZER_LIVE_PATH, gateway.AUTHORIZER_READY_PATH, gateway.AUTHORIZER_METRICS_PATH];
    expect(new Set(adminPaths).size).toBe(adminPaths.length);
    expect(gateway.ENVOY_LIVE_PATH).not.toBe(gateway.ENVOY_READY_PATH);
  });

  it("is what Envoy, the load balancer, the service and the authorizer default to", () => {
    expect([envoy.listenerPort, DEFAULT_TARGET_PORT, DEFAULT_LISTENER_PORT]).toEqual(Array(3).fill(gateway.ENVOY_LISTENER_PORT));
    expect([envoy.healthPort, DEFAULT_HEALTH_CHECK_PORT, DEFAULT_HEALTH_PORT]).toEqual(Array(3).fill(gateway.ENVOY_HEALTH_PORT));
    expect([envoy.healthPath, DEFAULT_HEALTH_CHECK_PATH]).toEqual([gateway.ENVOY_READY_PATH, gateway.ENVOY_READY_PATH]);
    expect([envoy.livePath, DEFAULT_LIVE_PATH]).toEqual([gateway.ENVOY_LIVE_PATH, gateway.ENVOY_LIVE_PATH]);
    expect([envoy.authorizerPort, DEFAULT_AUTHORIZER_PORT]).toEqual([gateway.AUTHORIZER_PORT, gateway.AUTHORIZER_PORT]);
    expect([envoy.authorizerAdminPort, DEFAULT_AUTHORIZER_ADMIN_PORT]).toEqual([gateway.AUTHORIZER_ADMIN_PORT, gateway.AUTHORIZER_ADMIN_PORT]);
    expect(envoy.authorizerReadyPath).toBe(gateway.AUTHORIZER_READY_PATH);
    const authorizer = parseConfig({ RAJEE_JWKS_FILE: "/k.json" });
    expect([DEFAULT_LISTEN, DEFAULT_ADMIN_LISTEN]).toEqual([`${gateway.LOOPBACK}:${gateway.AUTHORIZER_PORT}`, `${gateway.LOOPBACK}:${gateway.AUTHORIZER_ADMIN_PORT}`]);
    expect([authorizer.listen.port, authorizer.adminListen.port]).toEqual([envoy.authorizerPort, envoy.authorizerAdminPort]);
  });

  it("sends the upstream path in a header the authorizer may set and a client may not", () => {
    expect(envoy.extAuthz.upstreamPathHeader).toBe(gateway.UPSTREAM_PATH_HEADER);
    expect(envoy.extAuthz.allowedUpstreamHeaders).toContain(gateway.UPSTREAM_PATH_HEADER);
    expect(REMOVED_REQUEST_HEADER_PREFIXES.some((prefix) => gateway.UPSTREAM_PATH_HEADER.startsWith(prefix))).toBe(true);
  });

  it("buffers at most the DeleteObjects body the authorizer judges, with room for the request head", () => {
    expect(envoy.extAuthz.deleteObjects.maxRequestBytes).toBe(gateway.DELETE_OBJECTS_MAX_BODY_BYTES);
    expect(envoy.perConnectionBufferLimitBytes).toBeGreaterThan(gateway.DELETE_OBJECTS_MAX_BODY_BYTES);
  });
});

describe("the token size limit", () => {
  it("fits a token, with room to spare, in one load-balancer header and in a presigned URL's request line", () => {
    expect(gateway.TOKEN_MAX_ENCODED_BYTES * 2).toBeLessThanOrEqual(gateway.ALB_MAX_HEADER_BYTES);
    expect(gateway.TOKEN_MAX_ENCODED_BYTES * 2).toBeLessThanOrEqual(gateway.ALB_MAX_REQUEST_LINE_BYTES);
  });

  it("is below what Envoy and the authorizer accept in a request's headers, so every token issued reaches the check", () => {
    expect(envoySettings({ s3Region: "eu-west-1" }).downstreamHttp.maxRequestHeadersKb * 1024).toBeGreaterThan(gateway.ALB_MAX_HEADER_BYTES);
    expect(AUTHORIZER_MAX_HEADER_BYTES).toBeGreaterThan(gateway.ALB_MAX_HEADER_BYTES);
  });

  it("refuses exactly the sizes over the limit, naming the size, the limit and the fix", () => {
    expect(gateway.tokenSizeProblem(gateway.TOKEN_MAX_ENCODED_BYTES, 3)).toBeUndefined();
    expect(gateway.tokenSizeProblem(gateway.TOKEN_MAX_ENCODED_BYTES + 1, 150)).toMatch(
      new RegExp(`^the token would be ${gateway.TOKEN_MAX_ENCODED_BYTES + 1} bytes, over the ${gateway.TOKEN_MAX_ENCODED_BYTES}-byte limit .* its 150 grant\\(s\\) .* fewer, wider grants`),
    );
  });
});
