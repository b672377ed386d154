import { getOption, hasOption, type DescExtension, type DescField, type DescMessage, type DescOneof, type Message, type Registry } from "@bufbuild/protobuf";
import { isReflectList, isReflectMap, isReflectMessage, reflect, type ReflectMessage } from "@bufbuild/protobuf/reflect";
import { anyUnpack, isWrapperDesc, type Any } from "@bufbuild/protobuf/wkt";

/**
 * Enforces the protoc-gen-validate (`validate.rules`) annotations on a parsed Envoy message, the
 * way Envoy does when it loads a bootstrap: required messages and oneofs, string lengths and
 * patterns, numeric and duration ranges, defined enums, item counts, recursively through every
 * message, list, map and `Any`. A rule this module does not implement is reported as a violation
 * (never skipped), so a config can only pass on rules that were really checked. Fields marked
 * deprecated in the protos are violations too: Envoy rejects some of them outright.
 */

/** One broken rule: where (proto field path) and what. */
export interface Violation {
  readonly path: string;
  readonly message: string;
}

interface Extensions {
  readonly rules: DescExtension;
  readonly required: DescExtension;
  readonly disabled: DescExtension;
  /** Absent from older copies of validate.proto. */
  readonly ignored: DescExtension | undefined;
}

type Rules = Record<string, unknown>;

function extensions(registry: Registry): Extensions {
  const get = (name: string) => {
    const ext = registry.getExtension(name);
    if (!ext) throw new Error(`descriptor set lacks the extension ${name}; include validate/validate.proto`);
    return ext;
  };
  return {
    rules: get("validate.rules"),
    required: get("validate.required"),
    disabled: get("validate.disabled"),
    ignored: registry.getExtension("validate.ignored"),
  };
}

/** The set fields of a rules message, by proto name, with lists as arrays and messages as records. */
function setFields(message: Message, registry: Registry): Rules {
  const desc = registry.getMessage(message.$typeName);
  if (!desc) throw new Error(`unknown rules message ${message.$typeName}`);
  return plain(reflect(desc, message));
}

function plain(r: ReflectMessage): Rules {
  const out: Rules = {};
  for (const field of r.fields) {
    if (!r.isSet(field)) continue;
    const value: unknown = r.get(field);
    if (isReflectMessage(value)) out[field.name] = plain(value);
    else if (isReflectList(value)) out[field.name] = [...value].map((v) => (isReflectMessage(v) ? plain(v) : v));
    else out[field.name] = value;
  }
  return out;
}

type Num = number | bigint;

function compare(a: Num, b: Num): number {
  if (typeof a === "bigint" || typeof b === "bigint") {
    if (Number.isInteger(Number(a)) && Number.isInteger(Number(b))) {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    }
  }
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function show(v: unknown): string {
  return typeof v === "bigint" ? v.toString() : JSON.stringify(v);
}

/** PGV numeric semantics, including exclusive ranges (gt > lt means "outside"). */
function checkNumber(v: Num, rules: Rules, unit = ""): string[] {
  const out: string[] = [];
  const known = new Set(["const", "lt", "lte", "gt", "gte", "in", "not_in", "ignore_empty"]);
  for (const key of Object.keys(rules)) if (!known.has(key)) out.push(`rule ${key} is not implemented by this validator`);
  if (rules.ignore_empty === true && compare(v, 0) === 0) return out;
  if (rules.const !== undefined && compare(v, rules.const as Num) !== 0) out.push(`must equal ${show(rules.const)}${unit}, got ${show(v)}`);
  const lower = rules.gt ?? rules.gte;
  const upper = rules.lt ?? rules.lte;
  const aboveLower = lower === undefined || (rules.gt !== undefined ? compare(v, rules.gt as Num) > 0 : compare(v, rules.gte as Num) >= 0);
  const belowUpper = upper === undefined || (rules.lt !== undefined ? compare(v, rules.lt as Num) < 0 : compare(v, rules.lte as Num) <= 0);
  const describe = () =>
    [
      rules.gt !== undefined ? `> ${show(rules.gt)}` : undefined,
      rules.gte !== undefined ? `>= ${show(rules.gte)}` : undefined,
      rules.lt !== undefined ? `< ${show(rules.lt)}` : undefined,
      rules.lte !== undefined ? `<= ${show(rules.lte)}` : undefined,
    ]
      .filter(Boolean)
      .join(" and ");
  if (lower !== undefined && upper !== undefined && compare(lower as Num, upper as Num) >= 0) {
    if (!aboveLower && !belowUpper) out.push(`must be outside the range (${describe()}${unit}), got ${show(v)}`);
  } else if (!aboveLower || !belowUpper) {
    out.push(`must be ${describe()}${unit}, got ${show(v)}`);
  }
  if (Array.isArray(rules.in) && rules.in.length > 0 && !rules.in.some((x) => compare(v, x as Num) === 0)) {
    out.push(`must be one of ${show(rules.in.map(String))}, got ${show(v)}`);
  }
  if (Array.isArray(rules.not_in) && rules.not_in.some((x) => compare(v, x as Num) === 0)) out.push(`must not be ${show(v)}`);
  return out;
}

const HEADER_NAME = /^:?[0-9a-zA-Z!#$%&'*+\-.^_|~`]+$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_STRICT = /^[^\u0000-\u0008\u000A-\u001F\u007F]*$/;
// eslint-disable-next-line no-control-regex
const HEADER_VALUE_LOOSE = /^[^\u0000\u000A\u000D]*$/;
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

function isIpv6(s: string): boolean {
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

function checkString(v: string, rules: Rules): string[] {
  const out: string[] = [];
  if (rules.ignore_empty === true && v === "") return out;
  const chars = [...v].length;
  const bytes = Buffer.byteLength(v, "utf8");
  const int = (k: string) => Number(rules[k] as Num);
  for (const [key, rule] of Object.entries(rules)) {
    switch (key) {
      case "const":
        if (v !== rule) out.push(`must equal ${show(rule)}`);
        break;
      case "len":
        if (chars !== int(key)) out.push(`must be exactly ${int(key)} characters, got ${chars}`);
        break;
      case "min_len":
        if (chars < int(key)) out.push(`must be at least ${int(key)} character(s), got ${chars}`);
        break;
      case "max_len":
        if (chars > int(key)) out.push(`must be at most ${int(key)} characters, got ${chars}`);
        break;
      case "len_bytes":
        if (bytes !== int(key)) out.push(`must be exactly ${int(key)} bytes, got ${bytes}`);
        break;
      case "min_bytes":
        if (bytes < int(key)) out.push(`must be at least ${int(key)} byte(s), got ${bytes}`);
        break;
      case "max_bytes":
        if (bytes > int(key)) out.push(`must be at most ${int(key)} bytes, got ${bytes}`);
        break;
      case "pattern": {
        let re: RegExp;
        try {
          re = new RegExp(rule as string, "u");
        } catch {
          out.push(`pattern ${show(rule)} (RE2) cannot be checked here`);
          break;
        }
        if (!re.test(v)) out.push(`must match ${show(rule)}`);
        break;
      }
      case "prefix":
        if (!v.startsWith(rule as string)) out.push(`must start with ${show(rule)}`);
        break;
      case "suffix":
        if (!v.endsWith(rule as string)) out.push(`must end with ${show(rule)}`);
        break;
      case "contains":
        if (!v.includes(rule as string)) out.push(`must contain ${show(rule)}`);
        break;
      case "not_contains":
        if (v.includes(rule as string)) out.push(`must not contain ${show(rule)}`);
        break;
      case "in":
        if ((rule as string[]).length > 0 && !(rule as string[]).includes(v)) out.push(`must be one of ${show(rule)}`);
        break;
      case "not_in":
        if ((rule as string[]).includes(v)) out.push(`must not be ${show(v)}`);
        break;
      case "well_known_regex":
        if (rule === 1 && !HEADER_NAME.test(v)) out.push(`must be a valid HTTP header name, got ${show(v)}`);
        if (rule === 2 && !(rules.strict === false ? HEADER_VALUE_LOOSE : HEADER_VALUE_STRICT).test(v)) {
          out.push(`must be a valid HTTP header value`);
        }
        break;
      case "strict":
      case "ignore_empty":
        break;
      case "hostname":
        if (rule === true && !HOSTNAME.test(v)) out.push(`must be a host name, got ${show(v)}`);
        break;
      case "ipv4":
        if (rule === true && !IPV4.test(v)) out.push(`must be an IPv4 address, got ${show(v)}`);
        break;
      case "ipv6":
        if (rule === true && !isIpv6(v)) out.push(`must be an IPv6 address, got ${show(v)}`);
        break;
      case "ip":
        if (rule === true && !IPV4.test(v) && !isIpv6(v)) out.push(`must be an IP address, got ${show(v)}`);
        break;
      case "address":
        if (rule === true && !IPV4.test(v) && !isIpv6(v) && !HOSTNAME.test(v)) out.push(`must be a host name or IP, got ${show(v)}`);
        break;
      default:
        out.push(`string rule ${key} is not implemented by this validator`);
    }
  }
  return out;
}

function checkBytes(v: Uint8Array, rules: Rules): string[] {
  const out: string[] = [];
  if (rules.ignore_empty === true && v.length === 0) return out;
  for (const [key, rule] of Object.entries(rules)) {
    const n = Number(rule as Num);
    if (key === "len" && v.length !== n) out.push(`must be exactly ${n} bytes`);
    else if (key === "min_len" && v.length < n) out.push(`must be at least ${n} byte(s)`);
    else if (key === "max_len" && v.length > n) out.push(`must be at most ${n} bytes`);
    else if (!["len", "min_len", "max_len", "ignore_empty"].includes(key)) out.push(`bytes rule ${key} is not implemented by this validator`);
  }
  return out;
}

function durationNanos(r: ReflectMessage): bigint {
  const m = r.message as unknown as { seconds: bigint; nanos: number };
  return BigInt(m.seconds) * 1_000_000_000n + BigInt(m.nanos);
}

function rulesDurationNanos(d: unknown): bigint {
  const r = d as { seconds?: bigint | number; nanos?: number };
  return BigInt(r.seconds ?? 0) * 1_000_000_000n + BigInt(r.nanos ?? 0);
}

function checkDuration(v: bigint, rules: Rules): string[] {
  const converted: Rules = {};
  for (const [key, rule] of Object.entries(rules)) {
    if (key === "required") continue;
    converted[key] = Array.isArray(rule) ? rule.map(rulesDurationNanos) : rulesDurationNanos(rule);
  }
  return checkNumber(v, converted, " ns");
}

const SCALAR_RULES = new Set(["float", "double", "int32", "int64", "uint32", "uint64", "sint32", "sint64", "fixed32", "fixed64", "sfixed32", "sfixed64"]);

class Walker {
  readonly violations: Violation[] = [];
  private readonly ext: Extensions;

  constructor(private readonly registry: Registry) {
    this.ext = extensions(registry);
  }

  private fail(path: string, message: string): void {
    this.violations.push({ path, message });
  }

  message(r: ReflectMessage, path: string): void {
    const desc = r.desc;
    if (hasOption(desc, this.ext.disabled) && getOption(desc, this.ext.disabled) === true) return;
    const ignored = this.ext.ignored;
    if (ignored && hasOption(desc, ignored) && getOption(desc, ignored) === true) return;
    if (desc.typeName === "google.protobuf.Any") {
      this.any(r, path);
      return;
    }
    for (const oneof of desc.oneofs) this.oneof(r, oneof, path);
    for (const field of desc.fields) this.field(r, field, path);
  }

  private any(r: ReflectMessage, path: string): void {
    const any = r.message as unknown as Any;
    if (any.typeUrl === "") return;
    const inner = anyUnpack(any, this.registry);
    const typeName = any.typeUrl.slice(any.typeUrl.lastIndexOf("/") + 1);
    const innerDesc = this.registry.getMessage(typeName);
    if (!inner || !innerDesc) {
      this.fail(path, `@type ${any.typeUrl} is not in the descriptor set`);
      return;
    }
    this.message(reflect(innerDesc, inner), `${path}<${typeName.slice(typeName.lastIndexOf(".") + 1)}>`);
  }

  private oneof(r: ReflectMessage, oneof: DescOneof, path: string): void {
    if (hasOption(oneof, this.ext.required) && getOption(oneof, this.ext.required) === true && r.oneofCase(oneof) === undefined) {
      this.fail(`${path}.${oneof.name}`, `exactly one of ${oneof.fields.map((f) => f.name).join(", ")} is required`);
    }
  }

  private field(r: ReflectMessage, field: DescField, parent: string): void {
    const path = parent === "" ? field.name : `${parent}.${field.name}`;
    const set = r.isSet(field);
    if (set && field.deprecated) this.fail(path, "field is deprecated in the Envoy API; use its replacement");
    const rules = hasOption(field, this.ext.rules) ? setFields(getOption(field, this.ext.rules) as Message, this.registry) : {};
    const messageRules = (rules.message ?? {}) as Rules;
    const typeRules = Object.entries(rules).find(([k]) => k !== "message") as [string, Rules] | undefined;
    // A oneof member's rules apply only when it is the chosen case.
    if (!set && field.oneof === undefined) {
      const required = messageRules.required === true || (typeRules !== undefined && typeRules[1].required === true);
      if (required) this.fail(path, "is required");
    }

    switch (field.fieldKind) {
      case "scalar":
      case "enum": {
        // Proto3 implicit presence: rules apply to the zero value too. Explicit presence (oneof
        // member, `optional`): only when set.
        const explicit = field.oneof !== undefined || field.presence !== 2;
        if (!set && explicit) return;
        if (typeRules) this.value(field, r.get(field), typeRules, path);
        return;
      }
      case "message": {
        if (!set) return;
        const value = r.get(field) as ReflectMessage;
        if (typeRules) this.messageValue(field.message, value, typeRules, path);
        if (messageRules.skip !== true) this.message(value, path);
        return;
      }
      case "list": {
        const list = r.get(field);
        if (typeRules) {
          const [kind, rep] = typeRules;
          if (kind !== "repeated") this.fail(path, `rule ${kind} on a repeated field is not implemented`);
          else this.repeated(field, [...list], rep, path);
        }
        if (field.listKind === "message") {
          let i = 0;
          for (const item of list) this.message(item as ReflectMessage, `${path}[${i++}]`);
        }
        return;
      }
      case "map": {
        const map = r.get(field);
        if (!isReflectMap(map)) return;
        if (typeRules) {
          const [kind, mapRules] = typeRules;
          if (kind !== "map") this.fail(path, `rule ${kind} on a map field is not implemented`);
          else this.mapRules(field, map.size, [...map.entries()], mapRules, path);
        }
        if (field.mapKind === "message") {
          for (const [key, item] of map.entries()) this.message(item as ReflectMessage, `${path}[${show(String(key))}]`);
        }
        return;
      }
    }
  }

  private repeated(field: DescField, items: unknown[], rules: Rules, path: string): void {
    if (rules.ignore_empty === true && items.length === 0) return;
    for (const [key, rule] of Object.entries(rules)) {
      const n = Number(rule as Num);
      if (key === "min_items" && items.length < n) this.fail(path, `must have at least ${n} item(s), got ${items.length}`);
      else if (key === "max_items" && items.length > n) this.fail(path, `must have at most ${n} items, got ${items.length}`);
      else if (key === "unique" && rule === true) {
        const seen = new Set(items.map((i) => (isReflectMessage(i) ? JSON.stringify(plain(i), (_k, v) => (typeof v === "bigint" ? v.toString() : v)) : show(i))));
        if (seen.size !== items.length) this.fail(path, "items must be unique");
      } else if (key === "items") {
        const itemRules = rule as Rules;
        const typed = Object.entries(itemRules).find(([k]) => k !== "message") as [string, Rules] | undefined;
        items.forEach((item, i) => {
          if (!typed) return;
          if (isReflectMessage(item)) this.messageValue(item.desc, item, typed, `${path}[${i}]`);
          else this.value(field, item, typed, `${path}[${i}]`);
        });
      } else if (!["min_items", "max_items", "unique", "items", "ignore_empty"].includes(key)) {
        this.fail(path, `repeated rule ${key} is not implemented by this validator`);
      }
    }
  }

  private mapRules(field: DescField, size: number, entries: [unknown, unknown][], rules: Rules, path: string): void {
    if (rules.ignore_empty === true && size === 0) return;
    for (const [key, rule] of Object.entries(rules)) {
      const n = Number(rule as Num);
      if (key === "min_pairs" && size < n) this.fail(path, `must have at least ${n} entr(ies), got ${size}`);
      else if (key === "max_pairs" && size > n) this.fail(path, `must have at most ${n} entries, got ${size}`);
      else if (key === "keys" || key === "values") {
        const typed = Object.entries(rule as Rules).find(([k]) => k !== "message") as [string, Rules] | undefined;
        if (!typed) continue;
        for (const [k, v] of entries) {
          const target = key === "keys" ? k : v;
          const where = `${path}[${show(String(k))}]`;
          if (isReflectMessage(target)) this.messageValue(target.desc, target, typed, where);
          else this.value(field, key === "keys" ? String(target) : target, typed, where);
        }
      } else if (!["min_pairs", "max_pairs", "keys", "values", "no_sparse", "ignore_empty"].includes(key)) {
        this.fail(path, `map rule ${key} is not implemented by this validator`);
      }
    }
  }

  /** Rules on a message-typed value: wrappers (rules on the wrapped scalar), Duration, Any, Timestamp. */
  private messageValue(desc: DescMessage | undefined, value: ReflectMessage, [kind, rules]: [string, Rules], path: string): void {
    if (desc && isWrapperDesc(desc)) {
      const inner = desc.fields[0] as DescField;
      this.value(inner, value.get(inner), [kind, rules], path);
      return;
    }
    if (kind === "duration") {
      for (const m of checkDuration(durationNanos(value), rules)) this.fail(path, m);
      return;
    }
    if (kind === "any") {
      const url = (value.message as unknown as Any).typeUrl;
      if (Array.isArray(rules.in) && rules.in.length > 0 && !rules.in.includes(url)) this.fail(path, `@type must be one of ${show(rules.in)}`);
      if (Array.isArray(rules.not_in) && rules.not_in.includes(url)) this.fail(path, `@type ${url} is not allowed`);
      return;
    }
    if (kind === "timestamp" && Object.keys(rules).every((k) => k === "required")) return;
    this.fail(path, `rule ${kind} on message ${desc?.typeName ?? "?"} is not implemented by this validator`);
  }

  /** Rules on a scalar or enum value. */
  private value(field: DescField, v: unknown, [kind, rules]: [string, Rules], path: string): void {
    let messages: string[];
    if (SCALAR_RULES.has(kind)) messages = checkNumber(v as Num, rules);
    else if (kind === "string") messages = checkString(v as string, rules);
    else if (kind === "bytes") messages = checkBytes(v as Uint8Array, rules);
    else if (kind === "bool") messages = rules.const !== undefined && rules.const !== v ? [`must be ${show(rules.const)}`] : [];
    else if (kind === "enum") messages = this.checkEnum(field, v as number, rules);
    else messages = [`rule ${kind} on ${field.fieldKind} field is not implemented by this validator`];
    for (const m of messages) this.fail(path, m);
  }

  private checkEnum(field: DescField, v: number, rules: Rules): string[] {
    const out: string[] = [];
    const e = field.enum;
    if (rules.defined_only === true && e && !e.values.some((x) => x.number === v)) out.push(`${v} is not a defined value of ${e.typeName}`);
    if (rules.const !== undefined && rules.const !== v) out.push(`must be ${show(rules.const)}`);
    if (Array.isArray(rules.in) && rules.in.length > 0 && !rules.in.includes(v)) out.push(`must be one of ${show(rules.in)}`);
    if (Array.isArray(rules.not_in) && rules.not_in.includes(v)) out.push(`must not be ${v}`);
    for (const key of Object.keys(rules)) {
      if (!["defined_only", "const", "in", "not_in"].includes(key)) out.push(`enum rule ${key} is not implemented by this validator`);
    }
    return out;
  }
}

/** Every PGV violation in `message` (of type `desc`), depth first. Empty means valid. */
export function pgvViolations(desc: DescMessage, message: Message, registry: Registry): Violation[] {
  const walker = new Walker(registry);
  walker.message(reflect(desc, message), "");
  return walker.violations;
}
