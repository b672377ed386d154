/** Tests run TypeScript through swc (fast) in CommonJS; jose ships ESM only, so it is transformed too. */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/tests"],
  testMatch: ["**/*.test.ts"],
  transform: {
    "^.+\\.(t|j)s$": ["@swc/jest", { jsc: { target: "es2022" }, module: { type: "commonjs" } }],
  },
  transformIgnorePatterns: ["/node_modules/(?!(jose)/)"],
  testTimeout: 30000,
};
