import { verifySigV4 } from "../../../bin/dev/sigv4-verify";
import { classifyRequest } from "../../../src/s3/classify";
import type { GatewayRequest } from "../../../src/s3/request";
import { COPY_SOURCE_HEADER, signUpstream, UPSTREAM_PATH_HEADER, upstreamView } from "../../../src/upstream/sign";

const endpoint = { host: "s3.eu-west-1.amazonaws.com", region: "eu-west-1" };
const credentials = { accessKeyId: "AKIDTASKROLE", secretAccessKey: "task-role-secret", sessionToken: "task-role-session" };
const now = new Date("2030-01-01T00:00:00Z");

async function signedUpstream(request: GatewayRequest, creds: typeof credentials | Omit<typeof credentials, "sessionToken"> = credentials) {
  const classified = classifyRequest(request, { virtualHostDomain: "gw.example.com" });
  const signature = await signUpstream({ request, classified, credentials: creds, endpoint, now });
  // Apply it the way Envoy does: remove, overwrite, move the upstream path, rewrite the host.
  const headers: Record<string, string | undefined> = { ...request.headers };
  for (const name of signature.removeHeaders) delete headers[name];
  Object.assign(headers, signature.setHeaders);
  const target = headers[UPSTREAM_PATH_HEADER] ?? request.path;
  delete headers[UPSTREAM_PATH_HEADER];
  headers.host = endpoint.host;
  return { signature, upstream: { method: request.method, target, headers } };
}

describe("upstream signing", () => {
  it("signs a GET that S3 verifies, with the task role's session token in place of the JWT", async () => {
    const { signature, upstream } = await signedUpstream({ method: "GET", path: "/data/reports/a.csv", headers: { host: "gw.example.com", "x-amz-security-token": "the.client.jwt", "x-amz-date": "20200101T000000Z", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" } });
    expect(Object.keys(signature.setHeaders).sort()).toEqual(["authorization", "x-amz-content-sha256", "x-amz-date", "x-amz-security-token"]);
    expect(signature.setHeaders["x-amz-security-token"]).toBe("task-role-session");
    expect(signature.removeHeaders).toEqual([]);
    expect(verifySigV4(upstream, credentials, "eu-west-1", now)).toMatchObject({ ok: true });
  });

  it("covers every x-amz-* header and content-md5/type/encoding the client sent", async () => {
    const { signature, upstream } = await signedUpstream({
      method: "PUT",
      path: "/data/in/a",
      headers: {
        host: "gw.example.com",
        authorization: "Bearer x.y.z",
        "content-type": "text/csv",
        "content-md5": "1B2M2Y8AsgTpgAmY7PhCfg==",
        "content-encoding": "aws-chunked",
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "x-amz-decoded-content-length": "5",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-meta-owner": "team  a",
        "user-agent": "aws-cli/2",
      },
    });
    const verdict = verifySigV4(upstream, credentials, "eu-west-1", now);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.signedHeaders).toEqual([
      "content-encoding",
      "content-md5",
      "content-type",
      "host",
      "x-amz-content-sha256",
      "x-amz-date",
      "x-amz-decoded-content-length",
      "x-amz-meta-owner",
      "x-amz-security-token",
      "x-amz-trailer",
    ]);
    expect(signature.setHeaders["x-amz-content-sha256"]).toBe("STREAMING-UNSIGNED-PAYLOAD-TRAILER");
  });

  it("rebuilds a presigned URL's path without the presign parameters and hands it to Envoy", async () => {
    const path = "/data/a%20b?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Date=20300101T000000Z&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=abc&X-Amz-Security-Token=jwt&x-id=GetObject";
    const { signature, upstream } = await signedUpstream({ method: "GET", path, headers: { host: "gw.example.com" } });
    expect(signature.setHeaders[UPSTREAM_PATH_HEADER]).toBe("/data/a%20b?x-id=GetObject");
    expect(signature.setHeaders["x-amz-content-sha256"]).toBe("UNSIGNED-PAYLOAD");
    expect(verifySigV4(upstream, credentials, "eu-west-1", now)).toMatchObject({ ok: true });
  });

  it("turns a virtual-hosted request into a path-style one", async () => {
    for (const [path, expected] of [
      ["/k", "/data/k"],
      ["/?list-type=2&prefix=a", "/data?list-type=2&prefix=a"],
    ]) {
      const { signature, upstream } = await signedUpstream({ method: "GET", path: path!, headers: { host: "data.gw.example.com", authorization: "Bearer t" } });
      expect(signature.setHeaders[UPSTREAM_PATH_HEADER]).toBe(expected);
      expect(verifySigV4(upstream, credentials, "eu-west-1", now)).toMatchObject({ ok: true });
    }
  });

  it("leaves the path alone when the client's is already canonical", async () => {
    const { signature } = await signedUpstream({ method: "GET", path: "/data/k", headers: { host: "gw.example.com", authorization: "Bearer t" } });
    expect(signature.setHeaders[UPSTREAM_PATH_HEADER]).toBeUndefined();
  });

  it("removes the client's token when the credentials carry no session token, never a header it sets", async () => {
    const { accessKeyId, secretAccessKey } = credentials;
    const { signature, upstream } = await signedUpstream({ method: "GET", path: "/data/k", headers: { host: "gw.example.com", "x-amz-security-token": "jwt" } }, { accessKeyId, secretAccessKey });
    expect(signature.removeHeaders).toEqual(["x-amz-security-token"]);
    expect(upstream.headers["x-amz-security-token"]).toBeUndefined();
    expect(verifySigV4(upstream, { accessKeyId, secretAccessKey }, "eu-west-1", now)).toMatchObject({ ok: true });
    for (const name of signature.removeHeaders) expect(signature.setHeaders[name]).toBeUndefined();
  });

  it("signs a DeleteObjects request with its query flag", async () => {
    const { upstream } = await signedUpstream({ method: "POST", path: "/data?delete", headers: { host: "gw.example.com", authorization: "Bearer t", "content-md5": "abc" }, body: "<Delete><Object><Key>a</Key></Object></Delete>" });
    expect(verifySigV4(upstream, credentials, "eu-west-1", now)).toMatchObject({ ok: true });
  });

  it("sends S3 the canonical copy source it judged, covered by the signature, whatever the client's spelling", async () => {
    for (const spelled of ["data%2Freports%2Fq1%202024%2Bx.csv?versionId=v%2B1", "/data/reports/q1+2024%2Bx.csv?versionId=v%2B1", "data/reports/q1%202024%2Bx.csv?versionId=v+1"]) {
      const { signature, upstream } = await signedUpstream({
        method: "PUT",
        path: "/data/in/copy",
        headers: { host: "gw.example.com", "x-amz-security-token": "jwt", "x-amz-copy-source": spelled, "x-amz-copy-source-if-match": '"e"' },
      });
      expect(signature.setHeaders[COPY_SOURCE_HEADER]).toBe("/data/reports/q1%202024%2Bx.csv?versionId=v%2B1");
      expect(upstream.headers[COPY_SOURCE_HEADER]).toBe("/data/reports/q1%202024%2Bx.csv?versionId=v%2B1");
      const verdict = verifySigV4(upstream, credentials, "eu-west-1", now);
      expect(verdict).toMatchObject({ ok: true });
      expect(verdict.ok && verdict.signedHeaders).toEqual(expect.arrayContaining([COPY_SOURCE_HEADER, "x-amz-copy-source-if-match"]));
      // Had Envoy kept the client's spelling, S3 would refuse the signature.
      const kept = { ...upstream, headers: { ...upstream.headers, [COPY_SOURCE_HEADER]: spelled } };
      expect(verifySigV4(kept, credentials, "eu-west-1", now)).toMatchObject({ ok: false });
    }
  });

  it("describes without signing exactly the upstream request it signs", async () => {
    const requests: GatewayRequest[] = [
      { method: "GET", path: "/data/a%20b?x-id=GetObject&X-Amz-Security-Token=jwt", headers: { host: "gw.example.com", "x-amz-date": "20200101T000000Z" } },
      { method: "PUT", path: "/data/in/k", headers: { host: "gw.example.com", authorization: "Bearer t", "x-amz-copy-source": "data%2Fa", "x-amz-meta-x": "1", "content-type": "text/plain" } },
      { method: "POST", path: "/data?delete", headers: { host: "gw.example.com", "x-amz-security-token": "jwt", "content-md5": "abc" }, body: "<Delete><Object><Key>a</Key></Object></Delete>" },
    ];
    for (const request of requests) {
      const classified = classifyRequest(request);
      const signature = await signUpstream({ request, classified, credentials, endpoint, now });
      const view = upstreamView({ request, classified, now, sessionToken: true });
      const signedHeaders = /SignedHeaders=([^,]+)/.exec(signature.setHeaders.authorization as string)?.[1]?.split(";");
      expect(view.signedHeaders).toEqual(signedHeaders);
      expect(view.path).toBe(signature.setHeaders[UPSTREAM_PATH_HEADER] ?? request.path);
      expect(view.headers).toEqual(
        Object.fromEntries(Object.entries(signature.setHeaders).filter(([name]) => !["authorization", "x-amz-security-token", UPSTREAM_PATH_HEADER].includes(name))),
      );
      expect(JSON.stringify(view)).not.toContain(credentials.secretAccessKey);
      expect(JSON.stringify(view)).not.toContain(credentials.sessionToken);
    }
  });
  it("never signs a header name holding '_': classification refuses it first (the load balancer would drop it)", () => {
    const request = { method: "PUT", path: "/data/in/a", headers: { host: "gw.example.com", "x-amz-security-token": "jwt", "x-amz-meta-original_name": "x.csv" } };
    expect(() => classifyRequest(request, { virtualHostDomain: "gw.example.com" })).toThrow(/'x-amz-meta-original_name'/);
  });

  it("removes and leaves unsigned a client's x-amz-acl: private, so S3 applies its default ACL", async () => {
    const { signature, upstream } = await signedUpstream({ method: "PUT", path: "/data/in/a", headers: { host: "gw.example.com", "x-amz-security-token": "jwt", "x-amz-acl": "private" } });
    expect(signature.removeHeaders).toContain("x-amz-acl");
    expect(upstream.headers["x-amz-acl"]).toBeUndefined();
    const verdict = verifySigV4(upstream, credentials, "eu-west-1", now);
    expect(verdict).toMatchObject({ ok: true });
    expect(verdict.ok && verdict.signedHeaders).not.toContain("x-amz-acl");
  });

  it("signs hoisted headers as the query parameters S3 receives, and drops SigV2 parameters", async () => {
    const path = "/data/in/a?AWSAccessKeyId=AKID&Expires=1893456000&Signature=x&x-amz-security-token=jwt&x-amz-meta-a_b=1&x-amz-checksum-crc32=AAAAAA%3D%3D";
    const { signature, upstream } = await signedUpstream({ method: "PUT", path, headers: { host: "gw.example.com" } });
    expect(signature.setHeaders[UPSTREAM_PATH_HEADER]).toBe("/data/in/a?x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-meta-a_b=1");
    expect(verifySigV4(upstream, credentials, "eu-west-1", now)).toMatchObject({ ok: true });
    const altered = { ...upstream, target: "/data/in/a?x-amz-checksum-crc32=AAAAAA%3D%3D&x-amz-meta-a_b=2" };
    expect(verifySigV4(altered, credentials, "eu-west-1", now)).toMatchObject({ ok: false });
  });
});
