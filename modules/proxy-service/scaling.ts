/** How many tasks run and what autoscaling aims for. */
export interface ServiceScaling {
  /** Tasks right after a deploy (autoscaling owns the count afterwards). */
  readonly desiredTasks: number;
  /** Fewest tasks autoscaling may leave running. */
  readonly minTasks: number;
  /** Most tasks autoscaling may start. */
  readonly maxTasks: number;
  /** Average service CPU (percent) that autoscaling aims for. */
  readonly cpuTargetPercent: number;
  /** ALB requests per target per minute that autoscaling aims for. */
  readonly requestsPerTarget: number;
}

/** Problems with task counts and autoscaling targets, each as `scaling.<field>=<value> <why>; <fix>`. Pure. */
export function scalingProblems(s: ServiceScaling): string[] {
  const problems: string[] = [];
  const whole = (field: keyof ServiceScaling, min: number, max: number, why: string) => {
    if (!Number.isInteger(s[field]) || s[field] < min || s[field] > max) problems.push(`scaling.${field}=${s[field]} ${why}`);
  };
  whole("minTasks", 1, 1000, "must be 1-1000 (0 would stop the gateway)");
  whole("maxTasks", 1, 1000, "must be 1-1000");
  whole("desiredTasks", 1, 1000, "must be 1-1000");
  whole("cpuTargetPercent", 10, 90, "must be 10-90 percent");
  whole("requestsPerTarget", 1, 1_000_000, "must be a positive whole number of requests per target per minute");
  if (problems.length > 0) return problems;
  if (s.minTasks > s.maxTasks) problems.push(`scaling.minTasks=${s.minTasks} is above scaling.maxTasks=${s.maxTasks}; raise maxTasks or lower minTasks`);
  else if (s.desiredTasks < s.minTasks || s.desiredTasks > s.maxTasks) {
    problems.push(`scaling.desiredTasks=${s.desiredTasks} is outside minTasks-maxTasks (${s.minTasks}-${s.maxTasks}); pick a value in that range`);
  }
  return problems;
}
