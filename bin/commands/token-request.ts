import { parseOptions, type Command } from "../command";
import { callIssuer, ISSUER_CALL_HELP, ISSUER_CALL_OPTIONS, issuerCall, sdkIssuerDeps, type IssuerDeps } from "../issuer-call";

const HELP = `Usage: rajee token request --url URL --grant GRANT [--grant GRANT...] [--ttl 1h] [--profile P] [--region R]

Asks the token issuer for a token and prints it (one line). The call is signed with your own AWS
credentials (SigV4, service lambda), so the issuer knows who you are; its issuance policy decides
which grants you may have and for how long. A refusal is printed with the issuer's code and message
and exits 1. For the aws cli, boto3 and the SDKs, use 'rajee token credential-process' in a profile
instead (docs/issuing.md, "Getting credentials").

Options:
${ISSUER_CALL_HELP}
`;

/** `rajee token request` with the given AWS and network dependencies (tests pass their own). */
export function tokenRequestCommand(deps: IssuerDeps): Command {
  return {
    path: ["token", "request"],
    summary: "get a token from the issuer with your AWS credentials",
    help: HELP,
    async run(args, io) {
      const { values } = parseOptions(args, ISSUER_CALL_OPTIONS);
      const issued = await callIssuer(issuerCall(values), deps);
      io.stdout(`${issued.credentials.SessionToken}\n`);
      return 0;
    },
  };
}

export const tokenRequest = tokenRequestCommand(sdkIssuerDeps);
