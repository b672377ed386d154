import { hasControlCharacter } from "../contracts/aws-names";
import { LOG_LEVELS, type LogLevel } from "../contracts/environment";

/**
 * The runtime document: settings an operator changes without a redeploy, one SSM parameter per
 * environment (`/rajee/<env>/runtime`, a JSON object), polled by every authorizer. Pure.
 *
 * ```json
 * { "logLevel": "debug", "decisionSampling": { "ratio": 0.01, "subject": "alice" }, "rateLimitPerSubject": 200 }
 * ```
 */

/** Which checks log their full, redacted input (handlers/authorizer/sampling.ts). Off unless set. */
export interface DecisionSampling {
  /** Fraction of checks sampled, 0-1. @default 0 */
  readonly ratio: number;
  /** Every check of this token subject is sampled, whatever the ratio. @default none */
  readonly subject?: string;
}

/** The values in force: every field has one (the baseline's when the document leaves it out). */
export interface RuntimeSettings {
  readonly logLevel: LogLevel;
  readonly decisionSampling: DecisionSampling;
  /** Requests per second one token subject may make, per task; 0 disables the limit. */
  readonly rateLimitPerSubject: number;
}

/** The fields of the document, in the order they are reported. */
export const RUNTIME_FIELDS = ["logLevel", "decisionSampling", "rateLimitPerSubject"] as const;
export type RuntimeField = (typeof RUNTIME_FIELDS)[number];

/** Sampling off: the default of every environment. */
export const SAMPLING_OFF: DecisionSampling = Object.freeze({ ratio: 0 });
/** Same bound as RAJEE_RATE_LIMIT_PER_SECOND (handlers/authorizer/config.ts). */
export const MAX_RATE_LIMIT_PER_SUBJECT = 1_000_000;
/** Longest subject matched by `decisionSampling.subject`: a JWT `sub` is a short identifier. */
export const MAX_SAMPLED_SUBJECT_LENGTH = 256;
/** Longest document read; an SSM standard parameter holds 4 KB. */
export const MAX_RUNTIME_DOCUMENT_BYTES = 4096;

/** The document a new environment's parameter starts with: every field at its default. */
export function defaultRuntimeDocument(baseline: RuntimeSettings): string {
  return JSON.stringify({ logLevel: baseline.logLevel, decisionSampling: { ratio: baseline.decisionSampling.ratio }, rateLimitPerSubject: baseline.rateLimitPerSubject });
}

/** One field the parse left at its previous value, and why. */
export interface RuntimeProblem {
  readonly field: string;
  readonly problem: string;
}

export interface RuntimeParse {
  readonly settings: RuntimeSettings;
  /** Fields refused (each kept at its previous value) and unknown fields (ignored). */
  readonly problems: readonly RuntimeProblem[];
}

/** A document that is not a JSON object at all: nothing in it is used. */
export class RuntimeDocumentError extends Error {}

type FieldResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/**
 * The levels the runtime document may set: those that keep every decision line (decisions are logged
 * at `info`). A quieter level would let whoever can write the parameter switch off the audit trail
 * without a deploy, so `warn`, `error`, `fatal` and `silent` are refused here (they stay available
 * to the deploy-time setting, which a plan review shows).
 */
export const RUNTIME_LOG_LEVELS: readonly LogLevel[] = ["info", "debug", "trace"];

function logLevel(value: unknown): FieldResult<LogLevel> {
  if (typeof value === "string" && (RUNTIME_LOG_LEVELS as readonly string[]).includes(value)) return { ok: true, value: value as LogLevel };
  const why = typeof value === "string" && (LOG_LEVELS as readonly string[]).includes(value) ? "would drop decision lines, which are logged at info" : "is not a log level";
  return { ok: false, problem: `${JSON.stringify(value)} ${why}; use one of ${RUNTIME_LOG_LEVELS.join(", ")}` };
}

function rate(value: unknown): FieldResult<number> {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_RATE_LIMIT_PER_SUBJECT
    ? { ok: true, value }
    : { ok: false, problem: `${JSON.stringify(value)} is not a whole number in 0-${MAX_RATE_LIMIT_PER_SUBJECT} (requests per second; 0 disables the limit)` };
}

function sampling(value: unknown): FieldResult<DecisionSampling> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { ok: false, problem: `${JSON.stringify(value)} is not an object; use {"ratio": 0.01} or {"subject": "alice"}` };
  }
  const entries = value as Record<string, unknown>;
  const unknown = Object.keys(entries).filter((k) => k !== "ratio" && k !== "subject");
  if (unknown.length > 0) return { ok: false, problem: `has unknown field ${JSON.stringify(unknown[0])}; use ratio and subject only` };
  const ratio = entries.ratio ?? 0;
  if (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    return { ok: false, problem: `ratio=${JSON.stringify(entries.ratio)} is not a number in 0-1` };
  }
  const subject = entries.subject;
  if (subject === undefined || subject === null) return { ok: true, value: { ratio } };
  if (typeof subject !== "string" || subject.length === 0 || subject.length > MAX_SAMPLED_SUBJECT_LENGTH || hasControlCharacter(subject)) {
    return { ok: false, problem: `subject=${JSON.stringify(subject)} is not a token subject (1-${MAX_SAMPLED_SUBJECT_LENGTH} characters, no control characters)` };
  }
  return { ok: true, value: { ratio, subject } };
}

const FIELDS: { readonly [K in RuntimeField]: (value: unknown) => FieldResult<RuntimeSettings[K]> } = {
  logLevel,
  decisionSampling: sampling,
  rateLimitPerSubject: rate,
};

/**
 * Reads the runtime document field by field. A field left out takes the baseline's value (the
 * deployed environment variables; sampling off): removing a field undoes an override. A field with
 * a bad value keeps the previous value and is reported, so a typo in one field never holds back a
 * change to another (raising the log level during an incident). Text that is not a JSON object
 * throws RuntimeDocumentError: the caller keeps everything as it was.
 */
export function parseRuntimeDocument(text: string, previous: RuntimeSettings, baseline: RuntimeSettings): RuntimeParse {
  if (Buffer.byteLength(text) > MAX_RUNTIME_DOCUMENT_BYTES) {
    throw new RuntimeDocumentError(`is ${Buffer.byteLength(text)} bytes, above ${MAX_RUNTIME_DOCUMENT_BYTES}; keep the document small`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new RuntimeDocumentError(`is not JSON (${(error as Error).message}); write a JSON object such as {"logLevel":"info"}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new RuntimeDocumentError(`is not a JSON object; write one such as {"logLevel":"info"}`);
  }
  const document = parsed as Record<string, unknown>;
  const problems: RuntimeProblem[] = [];
  const next: Record<string, unknown> = {};
  for (const field of RUNTIME_FIELDS) {
    const raw = document[field];
    if (raw === undefined) {
      next[field] = baseline[field];
      continue;
    }
    const result = FIELDS[field](raw);
    if (result.ok) next[field] = result.value;
    else {
      next[field] = previous[field];
      problems.push({ field, problem: result.problem });
    }
  }
  for (const field of Object.keys(document)) {
    if (!(RUNTIME_FIELDS as readonly string[]).includes(field)) problems.push({ field, problem: `is not a runtime setting (ignored); known ones are ${RUNTIME_FIELDS.join(", ")}` });
  }
  return { settings: Object.freeze(next as unknown as RuntimeSettings), problems };
}

/** Equal settings have equal fingerprints (the document's key order and spacing do not matter). */
export function runtimeFingerprint(settings: RuntimeSettings): string {
  const s = settings.decisionSampling;
  return JSON.stringify([settings.logLevel, s.ratio, s.subject ?? null, settings.rateLimitPerSubject]);
}
