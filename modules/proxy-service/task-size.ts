/**
 * ECS Fargate sizing rules, checked at synth so a bad size fails in `cdktf synth`, not in the middle
 * of a deploy. Pure: returns problems, the caller decides how to name them.
 */

/** CPU units and memory for one container. */
export interface ContainerSize {
  /** CPU units reserved for the container (1024 = one vCPU). */
  readonly cpu: number;
  /** Hard memory limit, MiB: the container is killed above it. */
  readonly memoryMiB: number;
  /** Soft memory reservation, MiB; must be below `memoryMiB`. */
  readonly memoryReservationMiB: number;
}

/** Fargate task size and how it is shared between the two containers. */
export interface TaskSize {
  /** Task CPU units, one of the Fargate sizes (256, 512, 1024, 2048, 4096, 8192, 16384). */
  readonly cpu: number;
  /** Task memory, MiB; must be a valid pairing with `cpu`. */
  readonly memoryMiB: number;
  /** The Envoy container's share. */
  readonly envoy: ContainerSize;
  /** The authorizer container's share. */
  readonly authorizer: ContainerSize;
  /** The OpenTelemetry collector's share, when the task runs one (collector.ts). @default none: no collector */
  readonly collector?: ContainerSize;
}

/** Health check timings of an ECS container health check, seconds. */
export interface HealthCheckTiming {
  /** Seconds between checks, 5-300. */
  readonly intervalSeconds: number;
  /** Seconds before one check fails, 2-60, below the interval. */
  readonly timeoutSeconds: number;
  /** Consecutive failures before the container is unhealthy, 1-10. */
  readonly retries: number;
  /** Grace period after start during which failures do not count, 0-300. */
  readonly startPeriodSeconds: number;
}

/** Memory (MiB) allowed for each Fargate CPU size: [min, max, step]. */
const FARGATE_MEMORY: Readonly<Record<number, readonly [number, number, number]>> = {
  256: [512, 2048, 512],
  512: [1024, 4096, 1024],
  1024: [2048, 8192, 1024],
  2048: [4096, 16384, 1024],
  4096: [8192, 30720, 1024],
  8192: [16384, 61440, 4096],
  16384: [32768, 122880, 8192],
};

/** Fargate's memory choices for `cpu`, or undefined when `cpu` is not a Fargate size. */
export function fargateMemoryChoices(cpu: number): number[] | undefined {
  const range = FARGATE_MEMORY[cpu];
  if (!range) return undefined;
  const [min, max, step] = range;
  const choices: number[] = [];
  // 256 CPU allows 512, 1024, 2048 (not 1536).
  for (let m = min; m <= max; m += step) if (cpu !== 256 || m !== 1536) choices.push(m);
  return choices;
}

/** Problems with a task size, each as `<field>=<value> <what is wrong>; <fix>`. Empty when valid. */
export function taskSizeProblems(size: TaskSize): string[] {
  const problems: string[] = [];
  const choices = fargateMemoryChoices(size.cpu);
  if (!choices) {
    problems.push(`cpu=${size.cpu} is not a Fargate task size; use one of ${Object.keys(FARGATE_MEMORY).join(", ")}`);
  } else if (!choices.includes(size.memoryMiB)) {
    problems.push(
      `memoryMiB=${size.memoryMiB} is not a Fargate memory size for cpu=${size.cpu}; use one of ${summarise(choices)}`,
    );
  }
  const containers = (["envoy", "authorizer", "collector"] as const).filter((name) => size[name] !== undefined);
  for (const name of containers) {
    const c = size[name] as ContainerSize;
    if (!isPositiveInteger(c.cpu)) problems.push(`${name}.cpu=${c.cpu} must be a positive integer of CPU units`);
    if (!isPositiveInteger(c.memoryMiB) || c.memoryMiB < 6) {
      problems.push(`${name}.memoryMiB=${c.memoryMiB} must be an integer of at least 6 (ECS minimum)`);
    }
    if (!isPositiveInteger(c.memoryReservationMiB) || c.memoryReservationMiB >= c.memoryMiB) {
      problems.push(
        `${name}.memoryReservationMiB=${c.memoryReservationMiB} must be a positive integer below ${name}.memoryMiB=${c.memoryMiB}`,
      );
    }
  }
  if (problems.length > 0) return problems; // sums are meaningless until each number is valid
  const cpuSum = containers.reduce((sum, name) => sum + (size[name] as ContainerSize).cpu, 0);
  if (cpuSum > size.cpu) {
    problems.push(
      `${containers.map((n) => `${n}.cpu`).join(" + ")}=${cpuSum} exceeds the task cpu=${size.cpu}; lower the containers or raise the task size`,
    );
  }
  const memorySum = containers.reduce((sum, name) => sum + (size[name] as ContainerSize).memoryMiB, 0);
  if (memorySum > size.memoryMiB) {
    problems.push(
      `${containers.map((n) => `${n}.memoryMiB`).join(" + ")}=${memorySum} exceeds the task memoryMiB=${size.memoryMiB}; lower the containers or raise the task size`,
    );
  }
  return problems;
}

/** Problems with ECS health check timings, same format as `taskSizeProblems`. */
export function healthCheckProblems(h: HealthCheckTiming): string[] {
  const problems: string[] = [];
  const range = (field: keyof HealthCheckTiming, min: number, max: number) => {
    const v = h[field];
    if (!Number.isInteger(v) || v < min || v > max) problems.push(`${field}=${v} is outside the ECS range; use ${min}-${max}`);
  };
  range("intervalSeconds", 5, 300);
  range("timeoutSeconds", 2, 60);
  range("retries", 1, 10);
  range("startPeriodSeconds", 0, 300);
  if (h.timeoutSeconds >= h.intervalSeconds) {
    problems.push(
      `timeoutSeconds=${h.timeoutSeconds} must be below intervalSeconds=${h.intervalSeconds}; shorten the timeout or lengthen the interval`,
    );
  }
  return problems;
}

function isPositiveInteger(n: number): boolean {
  return Number.isInteger(n) && n > 0;
}

function summarise(choices: number[]): string {
  return choices.length <= 4 ? choices.join(", ") : `${choices[0]}-${choices[choices.length - 1]} in steps of ${choices[1]! - choices[0]!}`;
}
