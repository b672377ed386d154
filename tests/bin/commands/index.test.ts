import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { commands } from "../../../bin/commands";

describe("the command registry", () => {
  it("names each command by its module's own path, with a summary and help", () => {
    const paths = commands.map((c) => c.path.join(" "));
    expect(new Set(paths).size).toBe(paths.length);
    for (const command of commands) {
      // Reading the summary loads the module, which checks that its path is the registered one.
      expect(command.summary.length).toBeGreaterThan(0);
      expect(command.help).toContain("Usage:");
    }
  });

  it("loads only the command that runs, so credential_process starts without the local gateway or Envoy's templates", () => {
    const script = `
      require("tsx/cjs");
      const { runCli } = require("./bin/cli.ts");
      runCli(["token", "credential-process", "--help"], { stdout: () => {}, stderr: () => {}, env: {} }).then(() => {
        const loaded = Object.keys(require.cache).map((f) => require("node:path").relative(process.cwd(), f));
        console.log(JSON.stringify(loaded.filter((f) => !f.startsWith("node_modules"))));
      });`;
    const loaded = JSON.parse(execFileSync(process.execPath, ["-e", script], { cwd: join(__dirname, "../../.."), encoding: "utf8" })) as string[];
    expect(loaded).toContain("bin/commands/token-credential-process.ts");
    expect(loaded.filter((f) => /^bin\/commands\/(dev|envoy-render|simulate|keys-rotate|authorizer)\.ts$/.test(f) || f.startsWith("bin/dev/") || f.startsWith("envoy-templates/"))).toEqual([]);
  });
});
