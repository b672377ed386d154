import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../src/token/policy";
import type { CommandIO } from "./command";
import { AUTHORIZER_VARIABLES } from "../src/contracts/authorizer-environment";

/** The `--iss`/`--aud` options shared by commands, defaulting to RAJEE_ISSUER / RAJEE_AUDIENCE, then "rajee". */
export const ISSUER_AUDIENCE_OPTIONS = {
  iss: { type: "string" },
  aud: { type: "string" },
} as const;

export const ISSUER_AUDIENCE_HELP = `  --iss ISSUER        expected/minted 'iss' (env ${AUTHORIZER_VARIABLES.issuer}, default ${DEFAULT_ISSUER})
  --aud AUDIENCE      expected/minted 'aud' (env ${AUTHORIZER_VARIABLES.audience}, default ${DEFAULT_AUDIENCE})`;

export function issuerAndAudience(values: { iss?: string | undefined; aud?: string | undefined }, io: CommandIO) {
  return {
    issuer: values.iss ?? io.env[AUTHORIZER_VARIABLES.issuer] ?? DEFAULT_ISSUER,
    audience: values.aud ?? io.env[AUTHORIZER_VARIABLES.audience] ?? DEFAULT_AUDIENCE,
  };
}
