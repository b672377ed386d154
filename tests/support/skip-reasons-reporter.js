/**
 * A Jest reporter that prints why whole test files were skipped. Jest's default reporter shows
 * nothing for a file whose tests were all skipped, console output included, so the reason each such
 * file gives (`console.warn` at load: a tool that is missing, a suite that runs under
 * `npm run test:long` or `npm run test:clients`) would never reach the person running the tests.
 * Plain CommonJS: Jest loads reporters without transforming them.
 */
class SkipReasonsReporter {
  constructor(globalConfig, options = {}) {
    this.write = options.write ?? ((text) => process.stderr.write(text));
    this.rootDir = globalConfig?.rootDir ?? process.cwd();
    this.lines = [];
  }

  onTestResult(_test, testResult) {
    if (!testResult.skipped) return;
    const file = testResult.testFilePath.startsWith(`${this.rootDir}/`) ? testResult.testFilePath.slice(this.rootDir.length + 1) : testResult.testFilePath;
    const reasons = (testResult.console ?? []).filter((entry) => entry.type === "warn" || entry.type === "log").map((entry) => String(entry.message).split("\n")[0]);
    this.lines.push(`${file}: ${reasons.length > 0 ? [...new Set(reasons)].join("; ") : "skipped (no reason given)"}`);
  }

  onRunComplete() {
    if (this.lines.length === 0) return;
    this.write(`\nWhole test files skipped, and why (${this.lines.length}):\n${this.lines.sort().map((line) => `  ${line}\n`).join("")}`);
  }
}

module.exports = SkipReasonsReporter;
