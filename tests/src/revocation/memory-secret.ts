import type { PromoteOutcome, VersionStore } from "../../../src/revocation/compare-and-swap";

/**
 * A secret's versions and staging labels in memory, with the rules of the Secrets Manager calls
 * VersionStore stands for: a label is on one version at a time (writing it elsewhere moves it),
 * moving AWSCURRENT needs RemoveFromVersionId to hold it and puts AWSPREVIOUS on the version it left
 * (https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_UpdateSecretVersionStage.html,
 * API_PutSecretValue.html). `before` runs ahead of every call, so a test can hold a call back,
 * interleave writers, or fail it.
 */
export class MemorySecret implements VersionStore {
  readonly versions = new Map<string, { text: string; labels: Set<string> }>();
  /** Every successful move of AWSCURRENT, in order. */
  readonly moves: { from: string; to: string }[] = [];
  /** Every call, by name. */
  readonly calls: string[] = [];
  before: (call: string) => Promise<void> | void = () => {};
  private next = 1;

  constructor(text: string) {
    this.versions.set("v0", { text, labels: new Set(["AWSCURRENT"]) });
  }

  /** The id of the version holding `label`. */
  holder(label: string): string | undefined {
    return [...this.versions].find(([, v]) => v.labels.has(label))?.[0];
  }

  /** Writes `text` as a new AWSCURRENT version without any check, as a plain PutSecretValue does. */
  put(text: string): string {
    const id = `v${this.next++}`;
    this.versions.set(id, { text, labels: new Set() });
    this.move("AWSCURRENT", id);
    return id;
  }

  async current() {
    await this.enter("current");
    const versionId = this.holder("AWSCURRENT")!;
    return { versionId, text: this.versions.get(versionId)!.text };
  }

  async stage(text: string, label: string) {
    await this.enter("stage");
    const id = `v${this.next++}`;
    for (const v of this.versions.values()) v.labels.delete(label);
    this.versions.set(id, { text, labels: new Set([label]) });
    return id;
  }

  async promote(from: string, to: string): Promise<PromoteOutcome> {
    await this.enter("promote");
    if (this.holder("AWSCURRENT") !== from) return { moved: false, reason: `InvalidParameterException: Version stage AWSCURRENT not found in version ${from}` };
    this.move("AWSCURRENT", to);
    return { moved: true };
  }

  async unlabel(label: string, versionId: string) {
    await this.enter("unlabel");
    this.versions.get(versionId)!.labels.delete(label);
  }

  async labels() {
    await this.enter("labels");
    return Object.fromEntries([...this.versions].filter(([, v]) => v.labels.size > 0).map(([id, v]) => [id, [...v.labels]]));
  }

  private move(label: "AWSCURRENT", to: string): void {
    const from = this.holder(label)!;
    this.versions.get(from)!.labels.delete(label);
    this.versions.get(to)!.labels.add(label);
    for (const v of this.versions.values()) v.labels.delete("AWSPREVIOUS");
    this.versions.get(from)!.labels.add("AWSPREVIOUS");
    this.versions.get(to)!.labels.delete("AWSPREVIOUS");
    this.moves.push({ from, to });
  }

  private async enter(call: string): Promise<void> {
    this.calls.push(call);
    await this.before(call);
  }
}
