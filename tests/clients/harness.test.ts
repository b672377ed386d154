import { DENIED, summarize } from "./harness";

describe("the client matrix's failure summaries", () => {
  it("keeps the line that explains a failure and drops what changes between runs", () => {
    const error = new Error(
      [
        "rclone copyto /work/main/.build/tmp/run-1-abc/rajee-clients-rclone-x1/up/a.bin gateway:data/team/a.bin: exit 1:",
        "2026/11/30 15:48:51 ERROR : a.bin: Failed to copy: AccessDenied: denied at https://127.0.0.1:41283/data/x token eyJhbGciOi.eyJzdWIi.c2ln id 0123456789ABCDEF01",
      ].join("\n"),
    );
    expect(summarize(error)).toBe("<time> ERROR : a.bin: Failed to copy: AccessDenied: denied at <gateway>/data/x token <token> id <id>");
    expect(summarize(new Error("rclone copyto /tmp/rajee-clients-x/a gateway:data/a: exit 1"))).toBe("rclone copyto <tmp> gateway:data/a: exit 1");
  });

  it("is the same text for the same failure in two runs", () => {
    const run = (port: number, dir: string) => summarize(new Error(`ERROR: 2026-11-30 16:0${port % 10}:00 https://127.0.0.1:${port}/data ${dir}/rajee-clients-s3cmd-${dir}/f`));
    expect(run(41283, "/tmp/a")).toBe(run(39999, "/tmp/b"));
  });

  it("recognises the ways clients report a denial", () => {
    for (const text of ["An error occurred (AccessDenied) when calling", "An error occurred (403) when calling the HeadObject operation: Forbidden", "S3 error: 403 (AccessDenied)"]) expect(text).toMatch(DENIED);
    for (const text of ["NoSuchKey", "connection refused", "SignatureDoesNotMatch"]) expect(text).not.toMatch(DENIED);
  });
});
