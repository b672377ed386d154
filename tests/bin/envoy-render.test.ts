import { parse } from "yaml";
import { getEnvironment } from "../../config";
import { envoySettingsForEnvironment, renderEnvoyBootstrap } from "../../envoy-templates";
import { rajee } from "../support/cli";

describe("rajee envoy render", () => {
  it("prints the YAML bootstrap the environment deploys", async () => {
    const run = await rajee(["envoy", "render", "--env", "dev"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(parse(run.stdout)).toEqual(renderEnvoyBootstrap(envoySettingsForEnvironment(getEnvironment("dev"))));
  });

  it("prints JSON with --format json and confirms validity with --check", async () => {
    const run = await rajee(["envoy", "render", "--env", "prod", "--format", "json", "--check"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("envoy config for prod is valid against the Envoy v3 API\n");
    expect(JSON.parse(run.stdout)).toEqual(renderEnvoyBootstrap(envoySettingsForEnvironment(getEnvironment("prod"))));
  });

  it("names the known environments when given an unknown one", async () => {
    const run = await rajee(["envoy", "render", "--env", "qa"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('environment "qa" is unknown; use one of dev, staging, prod');
  });

  it("is a usage error without --env or with an unknown format", async () => {
    expect(await rajee(["envoy", "render"])).toMatchObject({ code: 2, stdout: "" });
    const run = await rajee(["envoy", "render", "--env", "dev", "--format", "toml"]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--format toml is not supported; use yaml or json");
  });
});
