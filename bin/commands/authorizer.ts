import { SETTINGS } from "../../handlers/authorizer/config";
import { parseOptions, type Command } from "../command";

const width = Math.max(...SETTINGS.map((s) => s.flag.length)) + 4;

const HELP = `Usage: rajee authorizer [--jwks-file FILE | --jwks-secret-arn ARN] [options]

Runs the gateway's authorizer: Envoy's ext_authz check endpoint on --listen and /healthz, /readyz,
/metrics on --admin-listen, both on 127.0.0.1. Logs JSON lines (and CloudWatch EMF lines) to stdout.
Stops on SIGTERM or SIGINT after answering the checks in flight: exit 0, or 1 if the drain timed out.

Every option is also a RAJEE_* variable (--jwks-file is RAJEE_JWKS_FILE); an option wins over its
variable. Errors name the variable. Details: docs/authorizer.md.

Options:
${SETTINGS.map((s) => `  --${`${s.flag} V`.padEnd(width)}${s.meaning} (default ${s.default})`).join("\n")}
`;

const OPTIONS = Object.fromEntries(SETTINGS.map((s) => [s.flag, { type: "string" as const }]));

export const authorizer: Command = {
  path: ["authorizer"],
  summary: "run the authorizer service (ext_authz for Envoy)",
  help: HELP,
  async run(args, io) {
    const { values } = parseOptions(args, OPTIONS);
    const env: Record<string, string | undefined> = { ...io.env };
    for (const s of SETTINGS) {
      const value = (values as Record<string, string | undefined>)[s.flag];
      if (value !== undefined) env[s.env] = value;
    }
    // Loaded on use, so other commands do not pay for the service's dependencies at start-up.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { runAuthorizer } = require("../../handlers/authorizer/main") as typeof import("../../handlers/authorizer/main");
    return runAuthorizer(env, { signals: process, stderr: io.stderr });
  },
};
