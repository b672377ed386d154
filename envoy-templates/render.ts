import { stringify } from "yaml";
import { renderEnvoyBootstrap } from "./bootstrap";
import { ENTRYPOINT_NAME, envoyEntrypointScript } from "./entrypoint";
import type { EnvoySettings } from "./settings";

/** The bootstrap as YAML, for `envoy --config-yaml` and for reading. Deterministic. */
export function renderEnvoyYaml(settings: EnvoySettings): string {
  return stringify(renderEnvoyBootstrap(settings), { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * The Envoy container's command: bash running the draining entrypoint ({@link envoyEntrypointScript}),
 * which starts `envoy` with the bootstrap inline (no file to mount on a read-only root filesystem)
 * and the drain time the settings promise. The image's `/docker-entrypoint.sh` runs a command that
 * does not start with `-` as given (`exec "$@"`; envoyproxy/envoy `ci/docker-entrypoint.sh`).
 */
export function envoyCommand(settings: EnvoySettings): string[] {
  return [
    "bash",
    "-c",
    envoyEntrypointScript(settings),
    ENTRYPOINT_NAME,
    "--config-yaml",
    renderEnvoyYaml(settings),
    "--drain-time-s",
    String(settings.drainTimeSeconds),
    "--drain-strategy",
    "immediate",
  ];
}
