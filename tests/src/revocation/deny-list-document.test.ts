import fc from "fast-check";
import { parseDenyList } from "../../../handlers/authorizer/deny-list";
import {
  DenyListEditError,
  editDenyList,
  EMPTY_DENY_LIST_DOCUMENT,
  REVOCATION_ID_MAX_LENGTH,
  revocationIdProblem,
  SECRET_STRING_MAX_BYTES,
  serializeDenyList,
} from "../../../src/revocation/deny-list-document";

const SOURCE = "secret arn:aws:secretsmanager:eu-west-1:111111111111:secret:rajee-test/revocation/deny-list-AbCdEf";
const none = { jtis: [], subs: [] };
const sorted = (values: Iterable<string>) => [...values].sort();

/** Ids the authorizer could meet in a token: non-empty, printable, no surrounding white space. */
const id = fc.stringMatching(/^[\w.@:/+=-]{1,40}$/);
const ids = fc.array(id, { maxLength: 8 });

describe("the deny list document", () => {
  it("starts empty, in a form the authorizer's parser accepts", () => {
    const list = parseDenyList(EMPTY_DENY_LIST_DOCUMENT, "initial");
    expect([list.jtis.size, list.subs.size]).toEqual([0, 0]);
    expect(JSON.parse(EMPTY_DENY_LIST_DOCUMENT)).toEqual({ jtis: [], subs: [] });
  });

  it("revokes a jti and a subject, keeping what was already revoked", () => {
    const edit = editDenyList('{"jtis": ["old"]}', SOURCE, { jtis: ["t-1"], subs: ["alice"] }, "revoke");
    expect(JSON.parse(edit.document)).toEqual({ jtis: ["old", "t-1"], subs: ["alice"] });
    expect(edit.changed).toEqual({ jtis: ["t-1"], subs: ["alice"] });
    expect(edit.unchanged).toEqual(none);
  });

  it("reports entries already revoked as unchanged and writes the same list again", () => {
    const first = editDenyList(EMPTY_DENY_LIST_DOCUMENT, SOURCE, { jtis: ["t-1", "t-1"], subs: [] }, "revoke");
    const second = editDenyList(first.document, SOURCE, { jtis: ["t-1"], subs: [] }, "revoke");
    expect(first.changed.jtis).toEqual(["t-1"]);
    expect(second.changed).toEqual(none);
    expect(second.unchanged).toEqual({ jtis: ["t-1"], subs: [] });
    expect(second.document).toBe(first.document);
  });

  it("undoes a revocation, and reports an entry that was not revoked", () => {
    const edit = editDenyList('{"jtis": ["t-1"], "subs": ["alice"]}', SOURCE, { jtis: ["t-2"], subs: ["alice"] }, "undo");
    expect(JSON.parse(edit.document)).toEqual({ jtis: ["t-1"], subs: [] });
    expect(edit.changed).toEqual({ jtis: [], subs: ["alice"] });
    expect(edit.unchanged).toEqual({ jtis: ["t-2"], subs: [] });
  });

  it.each([
    ["an empty id", "", "is empty"],
    ["an id with white space around it", " t-1", "starts or ends with white space"],
    ["an id with a line break", "t-1\n", "holds a control character"],
    ["an id too long to be one", "x".repeat(REVOCATION_ID_MAX_LENGTH + 1), `is ${REVOCATION_ID_MAX_LENGTH + 1} characters, over ${REVOCATION_ID_MAX_LENGTH}`],
  ])("refuses %s, which would match no token", (_what, bad, problem) => {
    expect(revocationIdProblem(bad)).toContain(problem);
    expect(() => editDenyList(EMPTY_DENY_LIST_DOCUMENT, SOURCE, { jtis: [], subs: [bad] }, "revoke")).toThrow(`--sub ${JSON.stringify(bad)} ${revocationIdProblem(bad)!}`);
  });

  it.each([
    ["not JSON", "deny list is not valid JSON"],
    ['{"jtis": "t-1"}', '"jtis" must be an array of non-empty strings'],
    ['{"jtis": [], "tokens": []}', "deny list has unknown member(s) tokens"],
  ])("refuses to edit a current list the authorizer would refuse (%s), naming the secret", (text, message) => {
    expect(() => editDenyList(text, SOURCE, { jtis: ["t-1"], subs: [] }, "revoke")).toThrow(DenyListEditError);
    expect(() => editDenyList(text, SOURCE, { jtis: ["t-1"], subs: [] }, "revoke")).toThrow(`${SOURCE}: ${message}`);
  });

  it("refuses a list Secrets Manager cannot hold, before anything is written", () => {
    const many = Array.from({ length: 1700 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
    expect(() => editDenyList(EMPTY_DENY_LIST_DOCUMENT, SOURCE, { jtis: many, subs: [] }, "revoke")).toThrow(new RegExp(`over Secrets Manager's ${SECRET_STRING_MAX_BYTES}; undo the jtis of tokens that have expired`));
  });

  it("refuses an empty request", () => {
    expect(() => editDenyList(EMPTY_DENY_LIST_DOCUMENT, SOURCE, none, "revoke")).toThrow("nothing to change");
  });

  it("writes equal text for equal lists, whatever the order", () => {
    expect(serializeDenyList({ jtis: new Set(["b", "a"]), subs: new Set(["z"]) })).toBe(serializeDenyList({ jtis: new Set(["a", "b"]), subs: new Set(["z"]) }));
  });

  // The security property: after a revoke, the authorizer's own parser holds every requested id and
  // every id revoked before; after an undo, none of the requested ids and every other one.
  it("revokes exactly what is asked on top of what was revoked, and undo removes exactly that, as the authorizer reads it", () => {
    fc.assert(
      fc.property(ids, ids, ids, ids, (oldJtis, oldSubs, jtis, subs) => {
        fc.pre(jtis.length + subs.length > 0);
        const before = serializeDenyList({ jtis: new Set(oldJtis), subs: new Set(oldSubs) });
        const revoked = parseDenyList(editDenyList(before, SOURCE, { jtis, subs }, "revoke").document, "after revoke");
        expect(sorted(revoked.jtis)).toEqual(sorted(new Set([...oldJtis, ...jtis])));
        expect(sorted(revoked.subs)).toEqual(sorted(new Set([...oldSubs, ...subs])));
        const undone = parseDenyList(editDenyList(before, SOURCE, { jtis, subs }, "undo").document, "after undo");
        expect(sorted(undone.jtis)).toEqual(sorted(new Set(oldJtis.filter((j) => !jtis.includes(j)))));
        expect(sorted(undone.subs)).toEqual(sorted(new Set(oldSubs.filter((s) => !subs.includes(s)))));
      }),
    );
  });
});
