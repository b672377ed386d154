import { get } from "node:http";
import { startStaticAnswerServer } from "../../bench/processes";

/** One GET on a connection of its own: status, the answer's raw headers and its body. */
function fetchAnswer(url: string): Promise<{ status: number; rawHeaders: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      let body = "";
      response.setEncoding("latin1");
      response.on("data", (chunk: string) => (body += chunk));
      response.on("end", () => resolve({ status: response.statusCode ?? 0, rawHeaders: response.rawHeaders, body }));
    }).on("error", reject);
  });
}

describe("the server replaying an answer", () => {
  const headers = ["authorization", "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261130/eu-west-1/s3/aws4_request", "x-amz-security-token", "t".repeat(1024), "content-length", "4"];
  /** Bytes a JavaScript string literal would need escaped (NUL, quote, backslash) and one above 0x7f: the body's way into the server's source must keep them all. */
  const body = Buffer.from([0x00, 0x22, 0x5c, 0xff]);

  it("answers every request 200 with exactly the given headers and body, plus only node:http's Date and Connection, once each", async () => {
    const server = await startStaticAnswerServer({ headers, body });
    try {
      for (const path of ["/", "/data/reports/q1.csv?x-id=GetObject"]) {
        const answer = await fetchAnswer(`${server.url}${path}`);
        expect(answer.status).toBe(200);
        const names = answer.rawHeaders.filter((_, i) => i % 2 === 0);
        const added = ["Date", "Connection"];
        expect(names.filter((name) => added.includes(name)).sort()).toEqual(added.sort());
        expect(answer.rawHeaders.filter((_, i) => !added.includes(answer.rawHeaders[i - (i % 2)] as string))).toEqual(headers);
        expect(Buffer.from(answer.body, "latin1")).toEqual(body);
      }
    } finally {
      await server.stop();
    }
  });
});
