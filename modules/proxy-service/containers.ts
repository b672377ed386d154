import type { ContainerDefinition, HealthCheck, KeyValuePair, LogConfiguration } from "@aws-sdk/client-ecs";
import type { ContainerSize, HealthCheckTiming } from "./task-size";

/** Settings the authorizer container reads from its environment (handlers/authorizer). */
export interface AuthorizerSettings {
  /** Secret holding the JWKS. */
  readonly jwksSecretArn: string;
  /** Required `iss`. */
  readonly issuer: string;
  /** Required `aud`. */
  readonly audience: string;
  /** Longest accepted `exp - iat`, seconds. */
  readonly maxTokenLifetimeSeconds: number;
  /** Tolerated clock skew, seconds. */
  readonly clockSkewSeconds: number;
  /** Region of the buckets. */
  readonly s3Region: string;
  /** S3 host the authorizer signs for (Envoy forwards there). */
  readonly s3Endpoint: string;
  /** Domain of virtual-hosted-style requests (`<bucket>.<domain>`). @default none (path-style only) */
  readonly virtualHostDomain?: string;
  /** Log level. @default "info" */
  readonly logLevel?: "debug" | "info" | "warn" | "error";
}

/** Everything needed to write the two container definitions. */
export interface ContainerInputs {
  readonly region: string;
  readonly envoyImage: string;
  readonly authorizerImage: string;
  /** Envoy's full command (`envoy --config-yaml <yaml> ...`), run by the image's entrypoint. */
  readonly envoyCommand: readonly string[];
  readonly listenerPort: number;
  readonly healthPort: number;
  readonly healthPath: string;
  readonly authorizerPort: number;
  readonly authorizerAdminPort: number;
  readonly envoy: ContainerSize;
  readonly authorizer: ContainerSize;
  readonly envoyHealthCheck: HealthCheckTiming;
  readonly authorizerHealthCheck: HealthCheckTiming;
  readonly envoyStopTimeoutSeconds: number;
  readonly authorizerStopTimeoutSeconds: number;
  readonly logGroups: { readonly envoy: string; readonly authorizer: string };
  readonly settings: AuthorizerSettings;
}

/** Container names, used by dependsOn and the service's load balancer block. */
export const ENVOY_CONTAINER = "envoy";
export const AUTHORIZER_CONTAINER = "authorizer";
/** The `envoy` user of the official Envoy image (uid/gid 101); the authorizer image runs as 10001. */
export const ENVOY_USER = "101:101";
export const AUTHORIZER_USER = "10001:10001";
/** The authorizer image's health check: GET /readyz on its admin port. */
export const AUTHORIZER_HEALTH_COMMAND = ["CMD", "node", "/app/healthcheck.js"];
/** Open files per container: Envoy holds two sockets per proxied request. */
export const NOFILE_LIMIT = 65536;

/**
 * Envoy's container health check: GET the health listener with bash's /dev/tcp. The Envoy image
 * (Ubuntu base) has bash but no curl or wget, so the check uses only bash builtins.
 */
export function envoyHealthCommand(healthPort: number, healthPath: string): string[] {
  const script =
    `exec 3<>/dev/tcp/127.0.0.1/${healthPort} && ` +
    `printf 'GET ${healthPath} HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && ` +
    `read -r _ status _ <&3 && [ "$status" = 200 ]`;
  return ["CMD", "bash", "-c", script];
}

/** The two container definitions of the gateway task, as ECS's own type. Pure. */
export function gatewayContainers(c: ContainerInputs): ContainerDefinition[] {
  const hardening = {
    readonlyRootFilesystem: true,
    privileged: false,
    linuxParameters: { initProcessEnabled: true, capabilities: { drop: ["ALL"] } },
    ulimits: [{ name: "nofile" as const, softLimit: NOFILE_LIMIT, hardLimit: NOFILE_LIMIT }],
  };
  const authorizer: ContainerDefinition = {
    name: AUTHORIZER_CONTAINER,
    image: c.authorizerImage,
    essential: true,
    cpu: c.authorizer.cpu,
    memory: c.authorizer.memoryMiB,
    memoryReservation: c.authorizer.memoryReservationMiB,
    user: AUTHORIZER_USER,
    ...hardening,
    environment: authorizerEnvironment(c),
    healthCheck: healthCheck(AUTHORIZER_HEALTH_COMMAND, c.authorizerHealthCheck),
    stopTimeout: c.authorizerStopTimeoutSeconds,
    logConfiguration: awslogs(c.logGroups.authorizer, c.region, AUTHORIZER_CONTAINER),
  };
  const envoy: ContainerDefinition = {
    name: ENVOY_CONTAINER,
    image: c.envoyImage,
    essential: true,
    cpu: c.envoy.cpu,
    memory: c.envoy.memoryMiB,
    memoryReservation: c.envoy.memoryReservationMiB,
    user: ENVOY_USER,
    ...hardening,
    command: c.envoyCommand.map(escapeTerraform),
    portMappings: [
      { name: "s3", containerPort: c.listenerPort, protocol: "tcp" },
      { name: "health", containerPort: c.healthPort, protocol: "tcp" },
    ],
    dependsOn: [{ containerName: AUTHORIZER_CONTAINER, condition: "HEALTHY" }],
    healthCheck: healthCheck(envoyHealthCommand(c.healthPort, c.healthPath), c.envoyHealthCheck),
    stopTimeout: c.envoyStopTimeoutSeconds,
    logConfiguration: awslogs(c.logGroups.envoy, c.region, ENVOY_CONTAINER),
  };
  return [authorizer, envoy];
}

function authorizerEnvironment(c: ContainerInputs): KeyValuePair[] {
  const s = c.settings;
  const vars: Record<string, string | undefined> = {
    AWS_REGION: c.region,
    RAJEE_LISTEN: `127.0.0.1:${c.authorizerPort}`,
    RAJEE_ADMIN_LISTEN: `127.0.0.1:${c.authorizerAdminPort}`,
    RAJEE_JWKS_SECRET_ARN: s.jwksSecretArn,
    RAJEE_ISSUER: s.issuer,
    RAJEE_AUDIENCE: s.audience,
    RAJEE_MAX_TOKEN_LIFETIME_SECONDS: String(s.maxTokenLifetimeSeconds),
    RAJEE_CLOCK_SKEW_SECONDS: String(s.clockSkewSeconds),
    RAJEE_S3_REGION: s.s3Region,
    RAJEE_S3_ENDPOINT: s.s3Endpoint,
    RAJEE_VIRTUAL_HOST_DOMAIN: s.virtualHostDomain,
    RAJEE_LOG_LEVEL: s.logLevel ?? "info",
  };
  return Object.entries(vars)
    .filter((e): e is [string, string] => e[1] !== undefined)
    .map(([name, value]) => ({ name, value }));
}

function healthCheck(command: string[], t: HealthCheckTiming): HealthCheck {
  return { command, interval: t.intervalSeconds, timeout: t.timeoutSeconds, retries: t.retries, startPeriod: t.startPeriodSeconds };
}

function awslogs(group: string, region: string, prefix: string): LogConfiguration {
  return {
    logDriver: "awslogs",
    options: {
      "awslogs-group": group,
      "awslogs-region": region,
      "awslogs-stream-prefix": prefix,
      // Never block the proxy on CloudWatch: buffer up to 25 MiB, drop beyond.
      mode: "non-blocking",
      "max-buffer-size": "25m",
    },
  };
}

/** Literal text embedded in Terraform JSON: `${` and `%{` would start an interpolation or directive. */
export function escapeTerraform(text: string): string {
  return text.replace(/\$\{/g, () => "$${").replace(/%\{/g, () => "%%{");
}
