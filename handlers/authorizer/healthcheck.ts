import { request } from "node:http";
import { DEFAULT_ADMIN_LISTEN, parseListenAddress } from "./config";

/** The container health check waits at most this long for `/readyz`. */
export const HEALTHCHECK_TIMEOUT_MS = 2000;

/**
 * GETs `/readyz` on the operations port (`RAJEE_ADMIN_LISTEN`); resolves to 0 on 200, else 1.
 * Bundled to `/app/healthcheck.js`, run by ECS as `["CMD", "node", "/app/healthcheck.js"]`.
 */
export function checkReady(env: Readonly<Record<string, string | undefined>>, timeoutMs = HEALTHCHECK_TIMEOUT_MS): Promise<number> {
  let address;
  try {
    address = parseListenAddress("RAJEE_ADMIN_LISTEN", env.RAJEE_ADMIN_LISTEN || DEFAULT_ADMIN_LISTEN);
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    return Promise.resolve(1);
  }
  return new Promise((resolve) => {
    const req = request({ host: address.host, port: address.port, path: "/readyz", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200 ? 0 : 1);
    });
    req.on("timeout", () => req.destroy(new Error(`no answer from /readyz within ${timeoutMs} ms`)));
    req.on("error", (error) => {
      process.stderr.write(`healthcheck: ${error.message}\n`);
      resolve(1);
    });
    req.end();
  });
}

if (require.main === module) {
  void checkReady(process.env).then((code) => process.exit(code));
}
