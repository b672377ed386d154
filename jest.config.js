/** Tests run TypeScript through swc (fast) in CommonJS; jose ships ESM only, and the OpenTelemetry exporters load http with import(), so both are transformed too. */
module.exports = {
  testEnvironment: "node",
  // src/, handlers/ and review/ are roots too (no tests live there) so that coverage counts the files no test imports.
  roots: ["<rootDir>/tests", "<rootDir>/src", "<rootDir>/handlers", "<rootDir>/review"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)s$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!(jose|@opentelemetry)/)"],
  testTimeout: 30000,
  // Two workers on two cores, where Jest's default is one fewer than the cores: test files spend much
  // of their time waiting on processes they start (terraform, moto, the local gateway, real S3
  // clients), so two halve the suite's wall time (measured 271 s to 149 s with coverage). Each
  // terraform test has its own plugin cache (review/terraform.ts), so none collide.
  maxWorkers: 2,
  // The default reporter prints nothing for a file whose tests were all skipped; this one lists each
  // such file with the reason it gave (a missing tool, a suite under test:long or test:clients).
  reporters: ["default", "<rootDir>/tests/support/skip-reasons-reporter.js"],
  // Each run gets its own TMPDIR under .build/tmp, removed at the end; scratch directories the tests
  // left in it fail the run (tests/support/temp-run.ts, docs/ci.md).
  globalSetup: "<rootDir>/tests/support/temp-run-setup.ts",
  globalTeardown: "<rootDir>/tests/support/temp-run-teardown.ts",
  // Coverage, collected by `npm run test:coverage` and CI (`--coverage`), not by plain `npm test`.
  // Directory keys hold the directory's total to the figures; measured figures are in docs/ci.md.
  collectCoverageFrom: ["src/**/*.ts", "handlers/**/*.ts", "review/**/*.ts"],
  coverageDirectory: ".build/coverage",
  coverageReporters: ["text-summary", "json-summary"],
  coverageThreshold: {
    "./src/": { lines: 95, statements: 93, functions: 94, branches: 86 },
    "./handlers/": { lines: 92, statements: 88, functions: 89, branches: 85 },
    "./review/": { lines: 94, statements: 92, functions: 93, branches: 81 },
  },
};
