import fc from "fast-check";
import { LOG_LEVELS } from "../../../src/contracts/environment";
import {
  defaultRuntimeDocument,
  parseRuntimeDocument,
  RuntimeDocumentError,
  RUNTIME_LOG_LEVELS,
  runtimeFingerprint,
  SAMPLING_OFF,
  type RuntimeSettings,
} from "../../../src/runtime-settings/runtime-document";

const baseline: RuntimeSettings = { logLevel: "info", decisionSampling: SAMPLING_OFF, rateLimitPerSubject: 1000 };
const previous: RuntimeSettings = { logLevel: "debug", decisionSampling: { ratio: 0.5, subject: "bob" }, rateLimitPerSubject: 10 };

describe("parseRuntimeDocument", () => {
  it("reads every field of a full document", () => {
    const { settings, problems } = parseRuntimeDocument(
      '{"logLevel":"trace","decisionSampling":{"ratio":0.01,"subject":"alice"},"rateLimitPerSubject":200}',
      baseline,
      baseline,
    );
    expect(problems).toEqual([]);
    expect(settings).toEqual({ logLevel: "trace", decisionSampling: { ratio: 0.01, subject: "alice" }, rateLimitPerSubject: 200 });
  });

  it("gives a field left out the baseline's value, so removing an override undoes it", () => {
    expect(parseRuntimeDocument("{}", previous, baseline)).toEqual({ settings: baseline, problems: [] });
    expect(parseRuntimeDocument('{"logLevel":"trace"}', previous, baseline).settings).toEqual({ ...baseline, logLevel: "trace" });
  });

  it("keeps the previous value of a bad field and still applies the good ones", () => {
    const { settings, problems } = parseRuntimeDocument('{"logLevel":"verbose","rateLimitPerSubject":5,"decisionSampling":{"ratio":2}}', previous, baseline);
    expect(settings).toEqual({ logLevel: "debug", decisionSampling: previous.decisionSampling, rateLimitPerSubject: 5 });
    expect(problems).toEqual([
      { field: "logLevel", problem: `"verbose" is not a log level; use one of ${RUNTIME_LOG_LEVELS.join(", ")}` },
      { field: "decisionSampling", problem: "ratio=2 is not a number in 0-1" },
    ]);
  });

  it.each(["warn", "error", "fatal", "silent"])("refuses log level %s, which would drop decision lines, keeping the previous level", (level) => {
    const { settings, problems } = parseRuntimeDocument(JSON.stringify({ logLevel: level }), previous, baseline);
    expect(settings.logLevel).toBe("debug");
    expect(problems).toEqual([{ field: "logLevel", problem: `"${level}" would drop decision lines, which are logged at info; use one of info, debug, trace` }]);
  });

  it("reports an unknown field and ignores it", () => {
    const { settings, problems } = parseRuntimeDocument('{"loglevel":"debug"}', previous, baseline);
    expect(settings).toEqual(baseline);
    expect(problems).toEqual([{ field: "loglevel", problem: "is not a runtime setting (ignored); known ones are logLevel, decisionSampling, rateLimitPerSubject" }]);
  });

  it.each([
    ["a negative rate", '{"rateLimitPerSubject":-1}', "rateLimitPerSubject"],
    ["a fractional rate", '{"rateLimitPerSubject":1.5}', "rateLimitPerSubject"],
    ["a rate as text", '{"rateLimitPerSubject":"10"}', "rateLimitPerSubject"],
    ["an empty subject", '{"decisionSampling":{"subject":""}}', "decisionSampling"],
    ["a subject with a newline", '{"decisionSampling":{"subject":"a\\nb"}}', "decisionSampling"],
    ["an unknown sampling field", '{"decisionSampling":{"ratio":0.1,"everyone":true}}', "decisionSampling"],
    ["sampling as a number", '{"decisionSampling":0.1}', "decisionSampling"],
  ])("refuses %s", (_, text, field) => {
    const { settings, problems } = parseRuntimeDocument(text, previous, baseline);
    expect(problems.map((p) => p.field)).toEqual([field]);
    expect(settings[field as keyof RuntimeSettings]).toEqual(previous[field as keyof RuntimeSettings]);
  });

  it.each([
    ["text that is not JSON", "logLevel=debug", "is not JSON"],
    ["a JSON array", '["debug"]', "is not a JSON object"],
    ["JSON null", "null", "is not a JSON object"],
    ["a document above 4 KB", JSON.stringify({ logLevel: "info", pad: "x".repeat(5000) }), "above 4096"],
  ])("throws for %s, so nothing in it is used", (_, text, message) => {
    expect(() => parseRuntimeDocument(text, previous, baseline)).toThrow(RuntimeDocumentError);
    expect(() => parseRuntimeDocument(text, previous, baseline)).toThrow(message);
  });

  it("reads back the default document as the baseline", () => {
    expect(parseRuntimeDocument(defaultRuntimeDocument(baseline), previous, baseline)).toEqual({ settings: baseline, problems: [] });
  });

  it("never yields a value outside the allowed ones, whatever the document (property)", () => {
    const anyValue = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.dictionary(fc.string(), fc.jsonValue()));
    fc.assert(
      fc.property(fc.record({ logLevel: anyValue, decisionSampling: anyValue, rateLimitPerSubject: anyValue }, { requiredKeys: [] }), (doc) => {
        const { settings, problems } = parseRuntimeDocument(JSON.stringify(doc), previous, baseline);
        expect(LOG_LEVELS).toContain(settings.logLevel);
        expect(Number.isInteger(settings.rateLimitPerSubject) && settings.rateLimitPerSubject >= 0).toBe(true);
        expect(settings.decisionSampling.ratio >= 0 && settings.decisionSampling.ratio <= 1).toBe(true);
        // A field either took the document's value, the baseline's (absent) or the previous one (reported).
        for (const field of ["logLevel", "rateLimitPerSubject"] as const) {
          if (!(field in doc)) expect(settings[field]).toBe(baseline[field]);
          else if (problems.some((p) => p.field === field)) expect(settings[field]).toBe(previous[field]);
          // As the document reads once written: JSON has no -0, so a -0 arrives as 0.
          else expect(settings[field]).toBe((JSON.parse(JSON.stringify(doc)) as typeof doc)[field]);
        }
      }),
    );
  });

  it("fingerprints settings, not spelling", () => {
    const a = parseRuntimeDocument('{"logLevel":"debug","rateLimitPerSubject":3}', baseline, baseline).settings;
    const b = parseRuntimeDocument('{ "rateLimitPerSubject": 3, "logLevel": "debug" }', baseline, baseline).settings;
    expect(runtimeFingerprint(a)).toBe(runtimeFingerprint(b));
    expect(runtimeFingerprint(a)).not.toBe(runtimeFingerprint(baseline));
  });
});
