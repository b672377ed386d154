import { Writable } from "node:stream";
import { createLogger, metricLine } from "../../../handlers/issuer/log";

describe("metricLine", () => {
  it("counts one event as a CloudWatch EMF line in the rajee namespace, without dimensions", () => {
    expect(JSON.parse(metricLine("Denied", new Date("2030-01-01T00:00:00Z")))).toEqual({
      _aws: { Timestamp: 1893456000000, CloudWatchMetrics: [{ Namespace: "rajee", Dimensions: [[]], Metrics: [{ Name: "Denied", Unit: "Count" }] }] },
      Denied: 1,
    });
  });
});

describe("createLogger", () => {
  it("censors credentials and keys should a log call ever pass them", () => {
    let out = "";
    const sink = new Writable({ write: (chunk: Buffer, _e, done) => ((out += chunk.toString("utf8")), done()) });
    createLogger("info", sink).info({ credentials: { SessionToken: "tok" }, key: { d: "private" }, detail: { sessionToken: "tok2", secretAccessKey: "s3cret" } }, "oops");
    const line = JSON.parse(out) as Record<string, unknown>;
    expect(line).toMatchObject({ service: "rajee-issuer", credentials: "[redacted]", key: "[redacted]", detail: { sessionToken: "[redacted]", secretAccessKey: "[redacted]" } });
    for (const secret of ["tok", "private", "s3cret"]) expect(out).not.toContain(`"${secret}`);
  });
});
