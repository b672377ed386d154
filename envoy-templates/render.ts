import { stringify } from "yaml";
import { renderEnvoyBootstrap } from "./bootstrap";
import type { EnvoySettings } from "./settings";

/** The bootstrap as YAML, for `envoy --config-yaml` and for reading. Deterministic. */
export function renderEnvoyYaml(settings: EnvoySettings): string {
  return stringify(renderEnvoyBootstrap(settings), { lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * The Envoy container's command: the bootstrap inline (no file to mount on a read-only root
 * filesystem) and the drain time the settings promise. The image's entrypoint runs `envoy` with it.
 */
export function envoyCommand(settings: EnvoySettings): string[] {
  return [
    "envoy",
    "--config-yaml",
    renderEnvoyYaml(settings),
    "--drain-time-s",
    String(settings.drainTimeSeconds),
    "--drain-strategy",
    "immediate",
  ];
}
