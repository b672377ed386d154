import type { Command } from "../command";
import { authorizer } from "./authorizer";
import { dev } from "./dev";
import { envoyRender } from "./envoy-render";
import { keysGenerate } from "./keys-generate";
import { keysRotate } from "./keys-rotate";
import { keysStatus } from "./keys-status";
import { simulate } from "./simulate";
import { tokenCredentialProcess } from "./token-credential-process";
import { tokenInspect } from "./token-inspect";
import { tokenMint } from "./token-mint";
import { tokenRequest } from "./token-request";

/** Every `rajee` subcommand. Add a command by adding its module here. */
export const commands: Command[] = [keysGenerate, keysRotate, keysStatus, tokenMint, tokenRequest, tokenCredentialProcess, tokenInspect, simulate, envoyRender, dev, authorizer];
