import { request } from "node:http";
import { spansOf, startOtlpReceiver } from "../../../bin/dev/otlp-receiver";

function post(url: string, contentType: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: { "content-type": contentType } }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end(body);
  });
}

const EXPORT = {
  resourceSpans: [
    {
      resource: { attributes: [{ key: "service.name", value: { stringValue: "rajee-authorizer" } }] },
      scopeSpans: [
        {
          spans: [
            {
              traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
              spanId: "00f067aa0ba902b7",
              parentSpanId: "",
              name: "rajee.check",
              attributes: [
                { key: "rajee.decision", value: { stringValue: "deny" } },
                { key: "http.response.status_code", value: { intValue: "403" } },
                { key: "sampled", value: { boolValue: true } },
              ],
            },
          ],
        },
      ],
    },
  ],
};

describe("OTLP receiver", () => {
  it("flattens an OTLP/JSON export into spans", () => {
    expect(spansOf(EXPORT)).toEqual([
      {
        serviceName: "rajee-authorizer",
        name: "rajee.check",
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
        parentSpanId: "",
        attributes: { "rajee.decision": "deny", "http.response.status_code": 403, sampled: true },
      },
    ]);
    expect(spansOf({})).toEqual([]);
  });

  it("keeps what is posted as JSON to /v1/traces and refuses protobuf and other paths", async () => {
    const seen: string[] = [];
    const receiver = await startOtlpReceiver({ onSpan: (s) => seen.push(s.name) });
    try {
      expect(await post(receiver.tracesUrl, "application/json", JSON.stringify(EXPORT))).toBe(200);
      expect(await post(receiver.tracesUrl, "application/x-protobuf", "\u0000")).toBe(415);
      expect(await post(receiver.tracesUrl.replace("/v1/traces", "/v1/metrics"), "application/json", "{}")).toBe(404);
      expect(await post(receiver.tracesUrl, "application/json", "{not json")).toBe(400);
      expect(seen).toEqual(["rajee.check"]);
      expect(receiver.spans).toHaveLength(1);
    } finally {
      await receiver.close();
    }
  });
});
