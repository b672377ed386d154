import { getEnvironment } from "../../config";
import { envoySettingsForEnvironment, renderEnvoyBootstrap, renderEnvoyYaml } from "../../envoy-templates";
import { formatViolations, validateEnvoyBootstrap } from "../../envoy-templates/schema/validate";
import { parseOptions, requireOption, UsageError, type Command } from "../command";

const HELP = `Usage: rajee envoy render --env NAME [--format yaml|json] [--check]

Prints the Envoy bootstrap that environment NAME deploys (what the Envoy container receives with
--config-yaml), for review. Nothing is written.

Options:
  --env NAME        environment from config/ (dev, staging, prod)
  --format FORMAT   yaml (default) or json
  --check           also validate it against Envoy's v3 API protos and their validate.rules
                    (needs the dev dependencies); exits 1 and lists every violation if invalid
`;

export const envoyRender: Command = {
  path: ["envoy", "render"],
  summary: "print the Envoy bootstrap of an environment",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, { env: { type: "string" }, format: { type: "string" }, check: { type: "boolean" } });
    const name = requireOption(values.env, "env");
    const format = values.format ?? "yaml";
    if (format !== "yaml" && format !== "json") throw new UsageError(`--format ${format} is not supported; use yaml or json`);
    const settings = envoySettingsForEnvironment(getEnvironment(name));
    if (values.check) {
      const result = validateEnvoyBootstrap(renderEnvoyBootstrap(settings));
      if (!result.ok) {
        io.stderr(`envoy config for ${name} is invalid:\n${formatViolations(result.violations)}\n`);
        return 1;
      }
      io.stderr(`envoy config for ${name} is valid against the Envoy v3 API\n`);
    }
    io.stdout(format === "yaml" ? renderEnvoyYaml(settings) : `${JSON.stringify(renderEnvoyBootstrap(settings), null, 2)}\n`);
    return 0;
  },
};
