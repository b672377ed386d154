import { rajee } from "../support/cli";

describe("rajee dev", () => {
  it.each([
    [["dev", "--bucket", "Bad_Bucket"], /--bucket Bad_Bucket/],
    [["dev", "--port", "99999"], /--port 99999/],
    [["dev", "--ttl", "soon"], /--ttl soon/],
  ])("refuses %j before starting anything", async (args, message) => {
    const run = await rajee(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stdout).toBe("");
  });
});
