import type { EnvoySettings } from "./settings";

/**
 * Seconds the entrypoint waits for each admin call's status line. Two calls, so a hung admin
 * interface delays the stop by at most twice this, on top of the drain time.
 */
export const ADMIN_CALL_TIMEOUT_SECONDS = 2;

/** Admin calls of a graceful stop, in order (Envoy admin API, `POST` only). */
export const GRACEFUL_STOP_ADMIN_CALLS: readonly string[] = Object.freeze([
  // The health listener's `/ready` answers 503 from now on, so the ALB stops choosing this task.
  "/healthcheck/fail",
  // Every listener (not `inboundonly`: ours leave `traffic_direction` unset, which that flag
  // skips) tells its connections to drain, keeps accepting for --drain-time-s, then stops.
  "/drain_listeners?graceful",
]);

/** `$0` of the entrypoint script, shown by bash in its own error messages. */
export const ENTRYPOINT_NAME = "rajee-envoy-entrypoint";

/**
 * The Envoy container's entrypoint, a bash script run as `bash -c <script> rajee-envoy-entrypoint
 * <envoy arguments>`. Envoy exits on SIGTERM without draining, so the script starts `envoy "$@"` in
 * the background and traps SIGTERM (ECS's stop signal, forwarded by the task's init process):
 * it fails the health check, starts a graceful drain through the admin interface on 127.0.0.1,
 * waits the drain time, then sends Envoy SIGTERM, waits for it and exits with its status. If Envoy
 * exits on its own, the script exits with Envoy's status. Bash builtins only (the Envoy image has
 * no curl): `/dev/tcp` for the admin calls, `read -t` as their timeout. Pure.
 *
 * `$!` (not a variable) names Envoy in the trap, so a SIGTERM that arrives between starting Envoy
 * and the `wait` still finds it; a SIGTERM before Envoy started (`$!` unset) exits 143 at once;
 * `trap '' TERM INT` makes a second signal during the drain a no-op. The drain wait polls Envoy once
 * a second, so an Envoy that exits during the drain ends the script at once with its status.
 */
export function envoyEntrypointScript(s: EnvoySettings): string {
  const adminCall = (path: string) => `admin '${path}'`;
  return [
    "set -u",
    "admin() {",
    "  local status=unreachable",
    `  if { exec 3<>/dev/tcp/${s.adminAddress}/${s.adminPort}; } 2>/dev/null; then`,
    `    printf 'POST %s HTTP/1.1\\r\\nHost: ${s.adminAddress}\\r\\nContent-Length: 0\\r\\nConnection: close\\r\\n\\r\\n' "$1" >&3`,
    `    read -r -t ${ADMIN_CALL_TIMEOUT_SECONDS} _ status _ <&3 || status=timeout`,
    "    exec 3<&-",
    "  fi",
    `  printf '{"level":"info","logger":"entrypoint","message":"POST %s: %s"}\\n' "$1" "$status" >&2`,
    "}",
    "stop() {",
    "  trap '' TERM INT",
    '  [ -n "${!:-}" ] || exit 143',
    ...GRACEFUL_STOP_ADMIN_CALLS.map((path) => `  ${adminCall(path)}`),
    `  for ((waited = 0; waited < ${s.drainTimeSeconds}; waited++)); do`,
    '    kill -0 "$!" 2>/dev/null || break',
    "    sleep 1",
    "  done",
    '  kill -TERM "$!" 2>/dev/null',
    '  wait "$!"',
    "  exit $?",
    "}",
    "trap stop TERM INT",
    'envoy "$@" &',
    'wait "$!"',
    "exit $?",
    "",
  ].join("\n");
}
