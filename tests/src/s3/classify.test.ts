import { classifyHead, completeClassification, type RequestHead } from "../../../src/s3/classify";
import type { GatewayRequest } from "../../../src/s3/request";
import { loadCorpus } from "../../security/support/corpus";

/**
 * Every corpus request with one value per header, as a GatewayRequest (tokens are not needed to read
 * a head: a placeholder stands in for them).
 */
function corpusRequests(): GatewayRequest[] {
  const requests: GatewayRequest[] = [];
  for (const { request } of loadCorpus()) {
    const values = Object.entries(request.headers ?? {});
    if (values.some(([, value]) => typeof value !== "string")) continue;
    const headers = Object.fromEntries(values.map(([name, value]) => [name, (value as string).split("{{token}}").join("t")]));
    const url = request.url.split("{{token}}").join("t");
    const path = url.replace(/^https?:\/\/[^/?]*/i, "") || "/";
    requests.push({ method: request.method, path, headers: { host: "gw.example.com", ...headers }, ...(request.body === undefined ? {} : { body: Buffer.from(request.body) }) });
  }
  return requests;
}

describe("completing a classification", () => {
  it("keeps every field of the head as it is, absent fields absent, and adds only the checks (and a DeleteObjects body's keys)", () => {
    const requests = corpusRequests();
    let completed = 0;
    const shapes = new Set<string>();
    for (const request of requests) {
      const head = classifyHead(request);
      if (!head.ok) continue;
      const full = completeClassification(head.head, request);
      if (!full.ok) continue;
      const { checks, deleteKeys, ...rest } = full.request;
      expect(rest).toStrictEqual(head.head as RequestHead);
      expect(checks.length).toBeGreaterThan(0);
      expect(deleteKeys !== undefined).toBe(head.head.operation === "DeleteObjects");
      shapes.add(Object.keys(full.request).sort().join(","));
      completed++;
    }
    // The corpus reaches every shape: object, bucket, copy and DeleteObjects requests.
    expect(completed).toBeGreaterThan(100);
    expect(shapes.size).toBeGreaterThanOrEqual(4);
  });
});
