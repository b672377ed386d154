import { display } from "./network";
import { type Json, type ResourceIndex } from "./plan";

/** One container of an ECS task definition, as a reviewer checks it. */
export interface ContainerRow {
  /** The task definition's address. */
  readonly taskDefinition: string;
  readonly family: string;
  readonly name: string;
  readonly image: string;
  /** True when the image is pinned by digest (`@sha256:`). */
  readonly imagePinned: boolean;
  /** CPU units, or undefined when not set. */
  readonly cpu: number | undefined;
  /** Hard memory limit, MiB (`memory`); undefined when the container has none. */
  readonly memoryMiB: number | undefined;
  /** Soft limit, MiB (`memoryReservation`). */
  readonly memoryReservationMiB: number | undefined;
  /** The health check command, or undefined. */
  readonly healthCheck: string | undefined;
  readonly readonlyRootFilesystem: boolean;
  /** `user` as configured; undefined means the image's default (often root). */
  readonly user: string | undefined;
  readonly privileged: boolean;
  /** True when ECS runs an init process (`linuxParameters.initProcessEnabled`) that forwards signals and reaps zombies. */
  readonly initProcessEnabled: boolean;
  /** Container ports published by the task (`8080/tcp`). */
  readonly ports: readonly string[];
  /** Environment variables as `NAME=value` (values of secrets are never in a task definition). */
  readonly environment: Readonly<Record<string, string>>;
  /** The command, one argument per element (empty: the image's default). */
  readonly command: readonly string[];
}

/** A task definition whose containers the plan cannot show. */
export interface UnreadableTaskDefinition {
  readonly address: string;
  readonly value: string;
}

/** Task-level settings of a task definition. */
export interface TaskRow {
  readonly address: string;
  readonly family: string;
  readonly cpu: string;
  readonly memory: string;
  readonly taskRole: string;
  readonly executionRole: string;
}

const num = (v: unknown): number | undefined => (typeof v === "number" ? v : typeof v === "string" && /^\d+$/.test(v) ? Number(v) : undefined);
const obj = (v: unknown): Record<string, unknown> => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Containers of every task definition, task settings, and the definitions that cannot be read yet. */
export function containers(index: ResourceIndex): { tasks: TaskRow[]; containers: ContainerRow[]; unreadable: UnreadableTaskDefinition[] } {
  const tasks: TaskRow[] = [];
  const rows: ContainerRow[] = [];
  const unreadable: UnreadableTaskDefinition[] = [];
  for (const td of index.ofType("aws_ecs_task_definition")) {
    const family = display(td.values.family);
    tasks.push({
      address: td.address,
      family,
      cpu: display(td.values.cpu),
      memory: display(td.values.memory),
      taskRole: display(index.resolve(td.values.task_role_arn)?.address ?? td.values.task_role_arn),
      executionRole: display(index.resolve(td.values.execution_role_arn)?.address ?? td.values.execution_role_arn),
    });
    let defs: unknown;
    const raw: Json | undefined = td.values.container_definitions;
    try {
      defs = typeof raw === "string" ? JSON.parse(raw) : raw;
    } catch {
      defs = undefined;
    }
    if (!Array.isArray(defs)) {
      unreadable.push({ address: td.address, value: display(raw) });
      continue;
    }
    for (const d of defs.map(obj)) {
      const image = typeof d.image === "string" ? d.image : "-";
      const health = obj(d.healthCheck);
      const command = list(health.command).map(String);
      rows.push({
        taskDefinition: td.address,
        family,
        name: typeof d.name === "string" ? d.name : "-",
        image,
        imagePinned: /@sha256:[0-9a-f]{64}$/.test(image),
        cpu: num(d.cpu),
        memoryMiB: num(d.memory),
        memoryReservationMiB: num(d.memoryReservation),
        healthCheck: command.length ? (command[0] === "CMD" || command[0] === "CMD-SHELL" ? command.slice(1) : command).join(" ") : undefined,
        readonlyRootFilesystem: d.readonlyRootFilesystem === true,
        user: typeof d.user === "string" ? d.user : undefined,
        privileged: d.privileged === true,
        initProcessEnabled: obj(d.linuxParameters).initProcessEnabled === true,
        ports: list(d.portMappings).map((p) => `${num(obj(p).containerPort) ?? "?"}/${String(obj(p).protocol ?? "tcp")}`),
        environment: Object.fromEntries(list(d.environment).map((e) => [String(obj(e).name), String(obj(e).value ?? "")])),
        command: list(d.command).map(String),
      });
    }
  }
  return { tasks, containers: rows, unreadable };
}
