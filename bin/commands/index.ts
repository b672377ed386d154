/* eslint-disable @typescript-eslint/no-require-imports -- commands are required when first used, see `lazy` */
import type { Command } from "../command";

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
  lazy(["keys", "generate"], () => (require("./keys-generate") as typeof import("./keys-generate")).keysGenerate),
  lazy(["keys", "rotate"], () => (require("./keys-rotate") as typeof import("./keys-rotate")).keysRotate),
  lazy(["keys", "status"], () => (require("./keys-status") as typeof import("./keys-status")).keysStatus),
  lazy(["token", "mint"], () => (require("./token-mint") as typeof import("./token-mint")).tokenMint),
  lazy(["token", "request"], () => (require("./token-request") as typeof import("./token-request")).tokenRequest),
  lazy(["token", "credential-process"], () => (require("./token-credential-process") as typeof import("./token-credential-process")).tokenCredentialProcess),
  lazy(["token", "inspect"], () => (require("./token-inspect") as typeof import("./token-inspect")).tokenInspect),
  lazy(["simulate"], () => (require("./simulate") as typeof import("./simulate")).simulate),
  lazy(["envoy", "render"], () => (require("./envoy-render") as typeof import("./envoy-render")).envoyRender),
  lazy(["dev"], () => (require("./dev") as typeof import("./dev")).dev),
  lazy(["authorizer"], () => (require("./authorizer") as typeof import("./authorizer")).authorizer),
];
