import { get } from "node:http";
import { startStaticAnswerServer } from "../../bench/processes";

/** One GET on a connection of its own: status and the answer's raw headers. */
function fetchHead(url: string): Promise<{ status: number; rawHeaders: string[] }> {
  return new Promise((resolve, reject) => {
    get(url, { agent: false }, (response) => {
      response.resume();
      response.on("end", () => resolve({ status: response.statusCode ?? 0, rawHeaders: response.rawHeaders }));
    }).on("error", reject);
  });
}

describe("the server replaying an answer", () => {
  it("answers every request 200 with exactly the given headers, a 1 KB value included, plus only what node:http adds", async () => {
    const headers = ["authorization", "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE/20261130/eu-west-1/s3/aws4_request", "x-amz-security-token", "t".repeat(1024), "content-length", "0"];
    const server = await startStaticAnswerServer(headers);
    try {
      for (const path of ["/", "/data/reports/q1.csv?x-id=GetObject"]) {
        const answer = await fetchHead(`${server.url}${path}`);
        expect(answer.status).toBe(200);
        const added = ["Date", "Connection", "Keep-Alive"];
        expect(answer.rawHeaders.filter((_, i) => i % 2 === 0 && !added.includes(answer.rawHeaders[i] as string)).length).toBe(headers.length / 2);
        expect(answer.rawHeaders.filter((_, i) => !added.includes(answer.rawHeaders[i - (i % 2)] as string))).toEqual(headers);
      }
    } finally {
      await server.stop();
    }
  });
});
