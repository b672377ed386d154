/* eslint-disable @typescript-eslint/no-require-imports -- commands are required when first used, see `lazy` */
import type { Command } from "../command";
// Type-only: the modules themselves are loaded by `lazy`; these name what each one provides.
import type { authorizer } from "./authorizer";
import type { dev } from "./dev";
import type { envoyRender } from "./envoy-render";
import type { keysBinding } from "./keys-binding";
import type { keysGenerate } from "./keys-generate";
import type { keysRotate } from "./keys-rotate";
import type { keysStatus } from "./keys-status";
import type { simulate } from "./simulate";
import type { tokenCredentialProcess } from "./token-credential-process";
import type { tokenInspect } from "./token-inspect";
import type { tokenMint } from "./token-mint";
import type { tokenRequest } from "./token-request";
import type { tokenRevoke } from "./token-revoke";
import type { tokenRevoked } from "./token-revoked";

/**
 * A command whose module is loaded only when it is used (its summary, help or run). `rajee token
 * credential-process` starts before every aws cli command that uses its profile: loading every
 * command's modules (the local gateway, Envoy's templates, the AWS SDK clients) took about 4 s of
 * its start on a 2-core machine, its own modules about 0.2 s. `path` must be the module's own.
 */
function lazy(path: readonly string[], load: () => Command): Command {
  let loaded: Command | undefined;
  const command = (): Command => {
    if (loaded === undefined) {
      loaded = load();
      if (loaded.path.join(" ") !== path.join(" ")) throw new Error(`command '${path.join(" ")}' loaded '${loaded.path.join(" ")}'; make the paths in bin/commands/index.ts match`);
    }
    return loaded;
  };
  return {
    path,
    get summary() {
      return command().summary;
    },
    get help() {
      return command().help;
    },
    run: (args, io) => command().run(args, io),
  };
}

/** Every `rajee` subcommand. Add a command by adding its module here. */
export const commands: Command[] = [
  lazy(["keys", "generate"], () => (require("./keys-generate") as { keysGenerate: typeof keysGenerate }).keysGenerate),
  lazy(["keys", "binding"], () => (require("./keys-binding") as { keysBinding: typeof keysBinding }).keysBinding),
  lazy(["keys", "rotate"], () => (require("./keys-rotate") as { keysRotate: typeof keysRotate }).keysRotate),
  lazy(["keys", "status"], () => (require("./keys-status") as { keysStatus: typeof keysStatus }).keysStatus),
  lazy(["token", "mint"], () => (require("./token-mint") as { tokenMint: typeof tokenMint }).tokenMint),
  lazy(["token", "request"], () => (require("./token-request") as { tokenRequest: typeof tokenRequest }).tokenRequest),
  lazy(["token", "credential-process"], () => (require("./token-credential-process") as { tokenCredentialProcess: typeof tokenCredentialProcess }).tokenCredentialProcess),
  lazy(["token", "revoke"], () => (require("./token-revoke") as { tokenRevoke: typeof tokenRevoke }).tokenRevoke),
  lazy(["token", "revoked"], () => (require("./token-revoked") as { tokenRevoked: typeof tokenRevoked }).tokenRevoked),
  lazy(["token", "inspect"], () => (require("./token-inspect") as { tokenInspect: typeof tokenInspect }).tokenInspect),
  lazy(["simulate"], () => (require("./simulate") as { simulate: typeof simulate }).simulate),
  lazy(["envoy", "render"], () => (require("./envoy-render") as { envoyRender: typeof envoyRender }).envoyRender),
  lazy(["dev"], () => (require("./dev") as { dev: typeof dev }).dev),
  lazy(["authorizer"], () => (require("./authorizer") as { authorizer: typeof authorizer }).authorizer),
];
