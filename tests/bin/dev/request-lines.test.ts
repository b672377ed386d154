import fc from "fast-check";
import { decisionJoin, formatRequestLine } from "../../../bin/dev/request-lines";

const decisionLine = (fields: Record<string, unknown>) => `${JSON.stringify({ level: "warn", service: "rajee-authorizer", event: "decision", ...fields })}\n`;

describe("per-request lines of rajee dev", () => {
  it("joins the authorizer's decision to the exchange with the same request id", () => {
    const join = decisionJoin();
    join.sink.write(decisionLine({ request_id: "r1", decision: "deny", reason: "outside-grants", code: "AccessDenied", message: "HeadObject needs read on s3://other/x, which the token does not grant" }));
    join.sink.write(decisionLine({ request_id: "r2", decision: "allow", reason: "allowed", operation: "GetObject" }));
    const denied = join.record({ method: "HEAD", path: "/other/x", status: 403, requestId: "r1", ms: 2.04 });
    const allowed = join.record({ method: "GET", path: "/dev-bucket/a.txt", status: 200, requestId: "r2", ms: 31.6 });
    expect(formatRequestLine(denied)).toBe("HEAD /other/x 403 deny AccessDenied (outside-grants): HeadObject needs read on s3://other/x, which the token does not grant 2.0 ms");
    expect(formatRequestLine(allowed)).toBe("GET /dev-bucket/a.txt 200 allow GetObject 32 ms");
  });

  it("uses each decision once and ignores other log lines and non-JSON", () => {
    const forwarded: string[] = [];
    const join = decisionJoin({ write: (line: string) => forwarded.push(line) });
    join.sink.write('{"event":"refresh","request_id":"r1"}\n');
    join.sink.write("not json\n");
    join.sink.write(decisionLine({ request_id: "r1", decision: "allow", operation: "PutObject" }));
    expect(forwarded).toHaveLength(3);
    expect(join.record({ method: "PUT", path: "/b/k", status: 200, requestId: "r1", ms: 1 }).decided).toEqual({ decision: "allow", operation: "PutObject" });
    expect(join.record({ method: "PUT", path: "/b/k", status: 200, requestId: "r1", ms: 1 }).decided).toBeUndefined();
  });

  it("says when the gateway answered before the authorizer, or the authorizer did not decide", () => {
    expect(formatRequestLine({ method: "GET", path: "/b/k", status: 400, requestId: "", ms: 0.3 })).toBe("GET /b/k 400 refused by the gateway before the authorizer 0.3 ms");
    expect(formatRequestLine({ method: "GET", path: "/b/k", status: 503, requestId: "x", ms: 1000 })).toBe("GET /b/k 503 no decision (authorizer unreachable or failed) 1000 ms");
  });

  it("keeps one request on one line, whatever the path holds", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 300 }), fc.string({ maxLength: 200 }), (path, message) => {
        const join = decisionJoin();
        join.sink.write(decisionLine({ request_id: "r", decision: "deny", code: "AccessDenied", reason: "outside-grants", message }));
        const line = formatRequestLine(join.record({ method: "GET", path, status: 403, requestId: "r", ms: 1 }));
        // eslint-disable-next-line no-control-regex -- no control character may reach the terminal
        expect(line).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
        expect(line.length).toBeLessThan(200 + 6 * 300 + 6 * 200);
      }),
    );
  });
});
