/** Types of skip-reasons-reporter.js (a Jest reporter, plain CommonJS). */
declare class SkipReasonsReporter {
  constructor(globalConfig: { readonly rootDir?: string } | undefined, options?: { readonly write?: (text: string) => void });
  onTestResult(test: unknown, testResult: { readonly testFilePath: string; readonly skipped: boolean; readonly console?: readonly { readonly type: string; readonly message: string }[] }): void;
  onRunComplete(): void;
}
export = SkipReasonsReporter;
