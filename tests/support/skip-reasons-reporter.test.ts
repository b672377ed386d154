import SkipReasonsReporter from "./skip-reasons-reporter";

const result = (file: string, skipped: boolean, messages: { type: string; message: string }[]) => ({ testFilePath: `/repo/${file}`, skipped, console: messages.map((m) => ({ ...m, origin: "" })) });

describe("the skip-reasons reporter", () => {
  it("lists each wholly skipped file with the reason it gave, once, and nothing for files that ran", () => {
    let out = "";
    const reporter = new SkipReasonsReporter({ rootDir: "/repo" }, { write: (text: string) => void (out += text) });
    reporter.onTestResult({}, result("tests/e2e/faults.test.ts", true, [{ type: "warn", message: "skipping the fault tests: it runs under npm run test:long\nmore" }]));
    reporter.onTestResult({}, result("tests/a.test.ts", false, [{ type: "warn", message: "not a skip" }]));
    reporter.onTestResult({}, result("tests/clients/matrix.test.ts", true, [{ type: "warn", message: "SKIPPED the client matrix" }, { type: "warn", message: "SKIPPED the client matrix" }]));
    reporter.onTestResult({}, result("tests/quiet.test.ts", true, []));
    reporter.onRunComplete();
    expect(out).toBe(
      "\nWhole test files skipped, and why (3):\n" +
        "  tests/clients/matrix.test.ts: SKIPPED the client matrix\n" +
        "  tests/e2e/faults.test.ts: skipping the fault tests: it runs under npm run test:long\n" +
        "  tests/quiet.test.ts: skipped (no reason given)\n",
    );
  });

  it("writes nothing when no file was skipped whole", () => {
    let out = "";
    const reporter = new SkipReasonsReporter({ rootDir: "/repo" }, { write: (text: string) => void (out += text) });
    reporter.onTestResult({}, result("tests/a.test.ts", false, []));
    reporter.onRunComplete();
    expect(out).toBe("");
  });
});
