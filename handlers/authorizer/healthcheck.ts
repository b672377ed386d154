import { request } from "node:http";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { AUTHORIZER_LIVE_PATH } from "../../src/contracts/gateway";
import { DEFAULT_ADMIN_LISTEN, parseListenAddress } from "./config";

/** The container health check waits at most this long for an answer. */
export const HEALTHCHECK_TIMEOUT_MS = 2000;

/**
 * What the container health check asks: liveness (the process is up and its event loop answers),
 * never readiness. `/readyz` fails while keys are missing or stale, and a container check that
 * followed it would make ECS replace every task on a first deploy or during a Secrets Manager
 * outage; readiness is for Envoy's cluster health check and the ALB.
 */
export const LIVENESS_PATH = AUTHORIZER_LIVE_PATH;

/**
 * GETs {@link LIVENESS_PATH} on the operations port (`RAJEE_ADMIN_LISTEN`); resolves to 0 on 200,
 * else 1 (refused, no answer within the timeout, any other status). Bundled to
 * `/app/healthcheck.js`, run by ECS as `["CMD", "node", "/app/healthcheck.js"]`.
 */
export function checkLive(env: Readonly<Record<string, string | undefined>>, timeoutMs = HEALTHCHECK_TIMEOUT_MS): Promise<number> {
  let address;
  try {
    const name = AUTHORIZER_VARIABLES.adminListen;
    address = parseListenAddress(name, env[name] || DEFAULT_ADMIN_LISTEN);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return Promise.resolve(1);
  }
  return new Promise((resolve) => {
    const req = request({ host: address.host, port: address.port, path: LIVENESS_PATH, method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      if (res.statusCode !== 200) process.stderr.write(`healthcheck: ${LIVENESS_PATH} answered ${res.statusCode}\n`);
      resolve(res.statusCode === 200 ? 0 : 1);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from ${LIVENESS_PATH} within ${timeoutMs} ms`)));
    req.on("error", (error) => {
      process.stderr.write(`healthcheck: ${error.message}\n`);
      resolve(1);
    });
    req.end();
  });
}

if (require.main === module) {
  void checkLive(process.env).then((code) => process.exit(code));
}
