import { DEFAULT_AUDIENCE, DEFAULT_ISSUER } from "../src/token/policy";
import type { CommandIO } from "./command";

/** The `--iss`/`--aud` options shared by commands, defaulting to RAJEE_ISSUER / RAJEE_AUDIENCE, then "rajee". */
export const ISSUER_AUDIENCE_OPTIONS = {
  iss: { type: "string" },
  aud: { type: "string" },
} as const;

export const ISSUER_AUDIENCE_HELP = `  --iss ISSUER        expected/minted 'iss' (env RAJEE_ISSUER, default ${DEFAULT_ISSUER})
  --aud AUDIENCE      expected/minted 'aud' (env RAJEE_AUDIENCE, default ${DEFAULT_AUDIENCE})`;

export function issuerAndAudience(values: { iss?: string | undefined; aud?: string | undefined }, io: CommandIO) {
  return {
    issuer: values.iss ?? io.env.RAJEE_ISSUER ?? DEFAULT_ISSUER,
    audience: values.aud ?? io.env.RAJEE_AUDIENCE ?? DEFAULT_AUDIENCE,
  };
}
