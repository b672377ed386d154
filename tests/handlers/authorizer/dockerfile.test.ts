import { readFileSync } from "node:fs";
import { join } from "node:path";
import { BUNDLE_ENTRIES } from "../../../handlers/authorizer/bundle";

const dockerfile = readFileSync(join(__dirname, "../../../handlers/authorizer/Dockerfile"), "utf8");
const instructions = dockerfile.split("\n").filter((l) => l !== "" && !l.startsWith("#"));

describe("authorizer Dockerfile", () => {
  it("pins the base image by digest", () => {
    expect(instructions).toContainEqual(expect.stringMatching(/^ARG NODE_IMAGE=node:20\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/));
    expect(instructions.filter((l) => l.startsWith("FROM "))).toEqual(["FROM ${NODE_IMAGE} AS build", "FROM ${NODE_IMAGE}"]);
  });

  it("runs as a non-root numeric user", () => {
    expect(instructions.filter((l) => l.startsWith("USER "))).toEqual(["USER 10001:10001"]);
  });

  it("ships the bundle's two scripts and runs the health check command ECS uses", () => {
    expect(Object.keys(BUNDLE_ENTRIES)).toEqual(["main", "healthcheck"]);
    expect(instructions).toContain("COPY --from=build /out/main.js /out/healthcheck.js /app/");
    expect(instructions).toContain('ENTRYPOINT ["node", "/app/main.js"]');
    expect(instructions.find((l) => l.startsWith("HEALTHCHECK "))).toMatch(/ CMD \["node", "\/app\/healthcheck\.js"\]$/);
  });
});
