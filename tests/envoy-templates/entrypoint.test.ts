import { spawnSync } from "node:child_process";
import fc from "fast-check";
import { envoySettings } from "../../envoy-templates";
import { ADMIN_CALL_TIMEOUT_SECONDS, envoyEntrypointScript, GRACEFUL_STOP_ADMIN_CALLS } from "../../envoy-templates/entrypoint";
import { ECS_MAX_STOP_TIMEOUT_SECONDS, STOP_TIMEOUT_MARGIN_SECONDS } from "../../envoy-templates/settings";
import { escapeTerraform } from "../../modules/proxy-service/containers";
import { bashMissing, unescapeTerraform } from "../modules/proxy-service/task-commands";

const noBash = bashMissing();
if (noBash) console.warn(`SKIPPED entrypoint syntax checks: ${noBash}`);

describe("Envoy's entrypoint script", () => {
  const settings = envoySettings({ s3Region: "eu-west-1", adminPort: 19901, drainTimeSeconds: 7 });
  const script = envoyEntrypointScript(settings);
  const lines = script.split("\n");
  const at = (text: string) => lines.findIndex((l) => l.includes(text));

  it("fails the health check, then drains every listener (not inboundonly: ours have no traffic_direction)", () => {
    expect(GRACEFUL_STOP_ADMIN_CALLS).toEqual(["/healthcheck/fail", "/drain_listeners?graceful"]);
    expect(lines.filter((l) => l.trim().startsWith("admin '")).map((l) => l.trim())).toEqual(["admin '/healthcheck/fail'", "admin '/drain_listeners?graceful'"]);
  });

  it("talks to the admin port of the settings on loopback, with HTTP/1.1 POSTs and a read timeout", () => {
    expect(script).toContain("exec 3<>/dev/tcp/127.0.0.1/19901;");
    expect(script).toContain("printf 'POST %s HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n'");
    expect(script).toContain(`read -r -t ${ADMIN_CALL_TIMEOUT_SECONDS} _ status _`);
  });

  it("stops Envoy only after waiting the drain time (or Envoy's own exit), then exits with Envoy's status", () => {
    const drainLoop = at("for ((waited = 0; waited < 7; waited++)); do");
    expect(at("admin '/drain_listeners?graceful'")).toBeLessThan(drainLoop);
    expect(lines.slice(drainLoop + 1, drainLoop + 4).map((l) => l.trim())).toEqual(['kill -0 "$!" 2>/dev/null || break', "sleep 1", "done"]);
    expect(drainLoop).toBeLessThan(at('kill -TERM "$!"'));
    expect(lines.slice(at('kill -TERM "$!"'), at('kill -TERM "$!"') + 3).map((l) => l.trim())).toEqual(['kill -TERM "$!" 2>/dev/null', 'wait "$!"', "exit $?"]);
  });

  (noBash ? it.skip : it)("exits 143 at once on a SIGTERM that arrives before Envoy was started (no unbound $!)", () => {
    const stopOnly = script.slice(0, script.indexOf("trap stop TERM INT"));
    const run = spawnSync("bash", ["-c", `${stopOnly}trap stop TERM INT\nkill -TERM $$\nsleep 5\n`], { encoding: "utf8", timeout: 4000 });
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 143, stderr: "" });
  });

  it("fits its worst case (drain, two hung admin calls) inside the stop timeout margin", () => {
    expect(2 * ADMIN_CALL_TIMEOUT_SECONDS).toBeLessThan(STOP_TIMEOUT_MARGIN_SECONDS);
  });

  (noBash ? it.skip : it)("is valid bash that survives Terraform's escaping, for any admin port and drain time", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1024, max: 65535 }).filter((p) => ![8080, 8081, 9000, 9001].includes(p)),
        fc.integer({ min: 1, max: ECS_MAX_STOP_TIMEOUT_SECONDS - STOP_TIMEOUT_MARGIN_SECONDS }),
        (adminPort, drainTimeSeconds) => {
          const text = envoyEntrypointScript(envoySettings({ s3Region: "eu-west-1", adminPort, drainTimeSeconds }));
          expect(unescapeTerraform(escapeTerraform(text))).toBe(text);
          const parsed = spawnSync("bash", ["-n", "-c", text], { encoding: "utf8" });
          expect({ status: parsed.status, stderr: parsed.stderr }).toEqual({ status: 0, stderr: "" });
          expect(text).toContain(`/dev/tcp/127.0.0.1/${adminPort};`);
          expect(text).toContain(`\n  for ((waited = 0; waited < ${drainTimeSeconds}; waited++)); do\n`);
        },
      ),
      { numRuns: 20 },
    );
  });
});
