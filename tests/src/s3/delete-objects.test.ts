import fc from "fast-check";
import { S3ErrorSignal } from "../../../src/errors";
import {
  DELETE_OBJECTS_MAX_KEYS,
  parseDeleteObjectsBody,
  readDeleteDocument,
  S3_XML_NAMESPACE,
  type DeleteObjectsEntry,
} from "../../../src/s3/delete-objects";
import { Cursor } from "../../../src/s3/xml-cursor";

function codeOf(body: string | Uint8Array): string {
  try {
    parseDeleteObjectsBody(body);
    return "accepted";
  } catch (error) {
    if (error instanceof S3ErrorSignal) return error.error.code;
    throw error;
  }
}

/** A cursor that counts every character examination and every character copied. */
class CountingCursor extends Cursor {
  examined = 0;
  override codeAt(offset: number): number {
    this.examined++;
    return super.codeAt(offset);
  }
  override take(start: number): string {
    this.examined += this.pos - start;
    return super.take(start);
  }
}

/** How many character examinations reading `text` costs, whether it is accepted or refused. */
function workFor(text: string): number {
  const cursor = new CountingCursor(text);
  try {
    readDeleteDocument(cursor);
  } catch (error) {
    if (!(error instanceof S3ErrorSignal)) throw error;
  }
  return cursor.examined;
}

const objects = (keys: string[]) => keys.map((k) => `<Object><Key>${k}</Key></Object>`).join("");

describe("DeleteObjects documents S3's schema allows", () => {
  it.each([
    ["the SDK v3 form (declaration, namespace, Quiet last)", `<?xml version="1.0" encoding="UTF-8"?><Delete xmlns="${S3_XML_NAMESPACE}">${objects(["a", "b"])}<Quiet>true</Quiet></Delete>`],
    ["Quiet first, as the Java SDK v1 writes it", `<Delete><Quiet>false</Quiet>${objects(["a", "b"])}</Delete>`],
    ["no declaration and no namespace", `<Delete>${objects(["a", "b"])}</Delete>`],
    ["a byte-order mark and pretty-printing", `\uFEFF<?xml version='1.0' standalone="yes"?>\r\n<Delete xmlns='${S3_XML_NAMESPACE}'>\n  <Object>\n    <Key>a</Key>\n  </Object>\n\t<Object><Key>b</Key></Object >\n</Delete >\n`],
  ])("accepts %s", (_name, body) => {
    expect(parseDeleteObjectsBody(body).map((e) => e.key)).toEqual(["a", "b"]);
  });

  it("reads every Object child in schema order and returns keys with their version ids", () => {
    const body =
      `<Delete><Object><Key>a</Key><VersionId>v1</VersionId><ETag>"abc"</ETag><LastModifiedTime>2024-01-02T03:04:05.000Z</LastModifiedTime><Size>12</Size></Object>` +
      `<Object><Key>b</Key><Size>0</Size></Object></Delete>`;
    expect(parseDeleteObjectsBody(body)).toEqual([{ key: "a", versionId: "v1" }, { key: "b" }]);
  });

  it("unescapes the five predefined entities and character references, literally and exactly once", () => {
    const body = `<Delete>${objects(["a&amp;b&lt;c&gt;d&quot;e&apos;f", "&#x41;&#66;&#x1F600;", "&amp;amp;", "%41+b c"])}</Delete>`;
    expect(parseDeleteObjectsBody(body).map((e) => e.key)).toEqual([`a&b<c>d"e'f`, "AB\u{1F600}", "&amp;", "%41+b c"]);
  });

  it("takes UTF-8 bytes and refuses invalid UTF-8", () => {
    expect(parseDeleteObjectsBody(Buffer.from(`<Delete>${objects(["é/ü"])}</Delete>`))).toEqual([{ key: "é/ü" }]);
    expect(codeOf(Buffer.concat([Buffer.from("<Delete><Object><Key>"), Buffer.from([0xc3, 0x28]), Buffer.from("</Key></Object></Delete>")]))).toBe("MalformedXML");
  });

  it("accepts exactly 1000 keys and refuses 1001", () => {
    const keys = Array.from({ length: DELETE_OBJECTS_MAX_KEYS }, (_, i) => `k${i}`);
    expect(parseDeleteObjectsBody(`<Delete>${objects(keys)}</Delete>`)).toHaveLength(1000);
    expect(codeOf(`<Delete>${objects([...keys, "one-more"])}</Delete>`)).toBe("MalformedXML");
  });
});

describe("DeleteObjects documents outside S3's schema", () => {
  it.each([
    // The attack: Quiet holding an Object. A lenient reader skipped it; S3 may delete it.
    ["an Object nested in Quiet", "<Delete><Quiet><Object><Key>reports/secret</Key></Object></Quiet><Object><Key>tmp/a</Key></Object></Delete>"],
    ["an Object nested in an Object", "<Delete><Object><Key>a</Key><Object><Key>b</Key></Object></Object></Delete>"],
    ["an element inside Key", "<Delete><Object><Key>a<b/></Key></Object></Delete>"],
    ["an unknown element in Delete", `<Delete><Objects/>${objects(["a"])}</Delete>`],
    ["an unknown element in Object", "<Delete><Object><Key>a</Key><Version>v</Version></Object></Delete>"],
    ["two Keys in one Object", "<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>"],
    ["VersionId before Key", "<Delete><Object><VersionId>v</VersionId><Key>a</Key></Object></Delete>"],
    ["two Quiet elements", `<Delete><Quiet>true</Quiet>${objects(["a"])}<Quiet>true</Quiet></Delete>`],
    ["Quiet that is not a boolean", `<Delete>${objects(["a"])}<Quiet>yes</Quiet></Delete>`],
    ["a Size that is not a number", "<Delete><Object><Key>a</Key><Size>-1</Size></Object></Delete>"],
    ["text in Delete", `<Delete>x${objects(["a"])}</Delete>`],
    ["text in Object", "<Delete><Object>x<Key>a</Key></Object></Delete>"],
    ["an Object without a Key", "<Delete><Object><VersionId>v</VersionId></Object></Delete>"],
    ["an empty Key", "<Delete><Object><Key></Key></Object></Delete>"],
    ["a self-closing Key", "<Delete><Object><Key/></Object></Delete>"],
    ["no Object at all", "<Delete><Quiet>true</Quiet></Delete>"],
    ["an attribute on Object", '<Delete><Object id="1"><Key>a</Key></Object></Delete>'],
    ["an attribute on Key", '<Delete><Object><Key xml:space="preserve">a</Key></Object></Delete>'],
    ["another namespace", `<Delete xmlns="http://example.com/">${objects(["a"])}</Delete>`],
    ["a namespace prefix", `<s3:Delete xmlns:s3="${S3_XML_NAMESPACE}"><s3:Object><s3:Key>a</s3:Key></s3:Object></s3:Delete>`],
    ["another root element", `<Remove>${objects(["a"])}</Remove>`],
    ["two root elements", `<Delete>${objects(["a"])}</Delete><Delete>${objects(["b"])}</Delete>`],
    ["a comment", `<Delete><!-- hi -->${objects(["a"])}</Delete>`],
    ["a comment before the root", `<!-- hi --><Delete>${objects(["a"])}</Delete>`],
    ["CDATA in a Key", "<Delete><Object><Key><![CDATA[a]]></Key></Object></Delete>"],
    ["a DOCTYPE with an entity", '<!DOCTYPE Delete [<!ENTITY x "inbox/a">]><Delete><Object><Key>&x;</Key></Object></Delete>'],
    ["a processing instruction", `<Delete><?php echo 1 ?>${objects(["a"])}</Delete>`],
    ["an XML declaration not at the start", ` <?xml version="1.0"?><Delete>${objects(["a"])}</Delete>`],
    ["XML 1.1", `<?xml version="1.1"?><Delete>${objects(["a"])}</Delete>`],
    ["a non-UTF-8 encoding declared", `<?xml version="1.0" encoding="ISO-8859-1"?><Delete>${objects(["a"])}</Delete>`],
    ["an unknown entity", "<Delete><Object><Key>a&nbsp;b</Key></Object></Delete>"],
    ["a bare ampersand", "<Delete><Object><Key>a&b</Key></Object></Delete>"],
    ["a reference to a non-character", "<Delete><Object><Key>a&#0;b</Key></Object></Delete>"],
    ["a reference to a surrogate", "<Delete><Object><Key>a&#xD800;b</Key></Object></Delete>"],
    ["a very long reference", "<Delete><Object><Key>a&#x0000000000041;b</Key></Object></Delete>"],
    ["']]>' in text", "<Delete><Object><Key>a]]>b</Key></Object></Delete>"],
    ["a mismatched end tag", "<Delete><Object><Key>a</Kee></Object></Delete>"],
    ["a truncated body", "<Delete><Object><Key>a</Key></Object>"],
    ["a body cut inside a tag", "<Delete><Object><Key>a</Key></Obj"],
    ["not XML", "delete inbox/a please"],
    ["an empty body", ""],
  ])("refuses %s as MalformedXML", (_name, body) => {
    expect(codeOf(body)).toBe("MalformedXML");
  });

  it("applies the path rules to keys: length and control characters", () => {
    expect(codeOf(`<Delete>${objects(["k".repeat(1025)])}</Delete>`)).toBe("KeyTooLongError");
    expect(codeOf(`<Delete>${objects(["é".repeat(600)])}</Delete>`)).toBe("KeyTooLongError");
    expect(codeOf(`<Delete>${objects(["a&#10;b"])}</Delete>`)).toBe("InvalidURI");
    expect(codeOf(`<Delete>${objects(["a\u0001b"])}</Delete>`)).toBe("MalformedXML");
  });

  it("refuses a body over the byte limit before reading it", () => {
    expect(() => parseDeleteObjectsBody(`<Delete>${objects(["a"])}</Delete>`, 10)).toThrow(/over the 10-byte limit/);
  });
});

describe("the DeleteObjects reader's work is linear in its input", () => {
  it("stops at the first bad byte of the 2 MiB ampersand body instead of scanning it", () => {
    const attack = `<Delete><Object><Key>${"&".repeat(2 * 1024 * 1024 - 64)}</Key></Object></Delete>`;
    expect(codeOf(attack)).toBe("MalformedXML");
    expect(workFor(attack)).toBeLessThan(200);
  });

  it.each([
    ["a 1000-key body", `<Delete>${objects(Array.from({ length: 1000 }, (_, i) => `reports/2024/${"x".repeat(900)}-${i}`))}</Delete>`],
    ["a body of references", `<Delete>${objects(Array.from({ length: 1000 }, () => "&amp;&#x41;&lt;".repeat(60)))}</Delete>`],
    ["whitespace padding", `<Delete>${" ".repeat(1_000_000)}${objects(["a"])}</Delete>`],
    ["a reference that never ends", `<Delete><Object><Key>&#${"1".repeat(100_000)}</Key></Object></Delete>`],
    ["a long attribute value", `<Delete xmlns="${"x".repeat(100_000)}"></Delete>`],
    ["brackets in text", `<Delete><Object><Key>${"]]".repeat(500)}</Key></Object></Delete>`],
  ])("examines each character of %s a bounded number of times", (_name, text) => {
    expect(workFor(text)).toBeLessThanOrEqual(4 * text.length + 16);
  });

  it("examines each character a bounded number of times, for any input", () => {
    const xmlish = fc.constantFrom("<", ">", "/", "&", ";", "#", "x", "4", "1", "amp", "Delete", "Object", "Key", "Quiet", " ", '"', "=", "?", "!", "]]", "xmlns");
    fc.assert(
      fc.property(fc.array(xmlish, { maxLength: 300 }), (parts) => {
        const text = parts.join("");
        expect(workFor(text)).toBeLessThanOrEqual(4 * text.length + 16);
        expect(workFor(`<Delete><Object><Key>${text}`)).toBeLessThanOrEqual(4 * (text.length + 21) + 16);
      }),
      { numRuns: 500 },
    );
  });
});

// --- Property tests: documents generated from S3's schema, and mutations outside it. ---

interface Entry {
  key: string;
  versionId?: string;
  etag?: string;
  lastModified?: string;
  size?: string;
}

// Keys: any characters S3 and XML both allow (no C0 controls, DEL, U+FFFE/U+FFFF).
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f\ufffe\uffff]/u;
const keyArb = fc.string({ unit: "binary", minLength: 1, maxLength: 24 }).filter((k) => !FORBIDDEN.test(k) && Buffer.byteLength(k) <= 1024);
const entryArb: fc.Arbitrary<Entry> = fc.record(
  {
    key: keyArb,
    versionId: fc.stringMatching(/^[A-Za-z0-9._+/-]{1,32}$/),
    etag: fc.constantFrom('"d41d8cd98f00b204e9800998ecf8427e"', "etag&amp;1"),
    lastModified: fc.constantFrom("2024-01-02T03:04:05Z", "2024-01-02T03:04:05.123+00:00"),
    size: fc.nat().map(String),
  },
  { requiredKeys: ["key"] },
);
const spaceArb = fc.constantFrom("", " ", "\n", "\n  ", "\t", "\r\n");

/** Escapes one character in one of the ways XML allows, chosen by `how`. */
function escapeChar(c: string, how: number): string {
  const code = c.codePointAt(0) as number;
  if (c === "&") return how % 2 ? "&amp;" : "&#38;";
  if (c === "<") return how % 2 ? "&lt;" : "&#x3C;";
  if (c === ">") return "&gt;";
  switch (how % 4) {
    case 0:
      return `&#${code};`;
    case 1:
      return `&#x${code.toString(16)};`;
    default:
      return c === '"' ? "&quot;" : c === "'" ? "&apos;" : c;
  }
}
const escapeText = (text: string, seed: number) => [...text].map((c, i) => escapeChar(c, (seed >>> i % 24) + i)).join("");

const documentArb = fc.record({
  bom: fc.boolean(),
  declaration: fc.constantFrom("", '<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.0'?>", '<?xml version="1.0" encoding="utf-8" standalone="no" ?>'),
  namespace: fc.constantFrom("", ` xmlns="${S3_XML_NAMESPACE}"`, ` xmlns='${S3_XML_NAMESPACE}'`),
  entries: fc.array(entryArb, { minLength: 1, maxLength: 12 }),
  quiet: fc.constantFrom(undefined, "true", "false"),
  quietAt: fc.nat(),
  space: spaceArb,
  seed: fc.nat(),
});
type GeneratedDocument = typeof documentArb extends fc.Arbitrary<infer T> ? T : never;

function serialize(doc: GeneratedDocument): string {
  const s = doc.space;
  const leaf = (name: string, text: string) => `${s}<${name}>${escapeText(text, doc.seed)}</${name}>`;
  const items = doc.entries.map(
    (e) =>
      `${s}<Object>${leaf("Key", e.key)}${e.versionId === undefined ? "" : leaf("VersionId", e.versionId)}${e.etag === undefined ? "" : `${s}<ETag>${e.etag}</ETag>`}` +
      `${e.lastModified === undefined ? "" : leaf("LastModifiedTime", e.lastModified)}${e.size === undefined ? "" : leaf("Size", e.size)}${s}</Object>`,
  );
  if (doc.quiet !== undefined) items.splice(doc.quietAt % (items.length + 1), 0, `${s}<Quiet>${doc.quiet}</Quiet>`);
  return `${doc.bom ? "\uFEFF" : ""}${doc.declaration}${s}<Delete${doc.namespace}>${items.join("")}${s}</Delete>${s}`;
}

const expected = (doc: GeneratedDocument): DeleteObjectsEntry[] => doc.entries.map((e) => (e.versionId === undefined ? { key: e.key } : { key: e.key, versionId: e.versionId }));

/** Changes that take a schema document outside the schema; each must be refused. */
const MUTATIONS: readonly [string, (xml: string) => string][] = [
  ["an Object hidden in Quiet", (x) => x.replace("</Delete>", "<Quiet><Object><Key>secret</Key></Object></Quiet></Delete>")],
  ["an unknown element in Delete", (x) => x.replace("<Object>", "<Foo>x</Foo><Object>")],
  ["an unknown element in Object", (x) => x.replace("</Key>", "</Key><Bucket>b</Bucket>")],
  ["an element in Key", (x) => x.replace("</Key>", "<Key>b</Key></Key>")],
  ["a second Key", (x) => x.replace("</Key>", "</Key><Key>b</Key>")],
  ["ETag before Key", (x) => x.replace("<Object>", "<Object><ETag>e</ETag>")],
  ["a comment", (x) => x.replace("<Object>", "<!--c--><Object>")],
  ["CDATA", (x) => x.replace("<Key>", "<Key><![CDATA[x]]>")],
  ["a DOCTYPE", (x) => x.replace("<Delete", "<!DOCTYPE Delete><Delete")],
  ["a processing instruction", (x) => x.replace("<Object>", "<?pi x?><Object>")],
  ["text in Object", (x) => x.replace("<Object>", "<Object>x")],
  ["an attribute on Object", (x) => x.replace("<Object>", '<Object a="1">')],
  ["a namespace prefix", (x) => x.replace("<Delete", `<s3:Delete xmlns:s3="${S3_XML_NAMESPACE}"`).replace("</Delete>", "</s3:Delete>")],
  ["another namespace", (x) => x.replace("<Delete", '<Delete xmlns="urn:x"')],
  ["an unknown entity", (x) => x.replace("<Key>", "<Key>&foo;")],
  ["a second root", (x) => `${x}<Delete><Object><Key>a</Key></Object></Delete>`],
  ["a cut before the end", (x) => x.slice(0, x.lastIndexOf(">"))],
];

describe("DeleteObjects schema properties", () => {
  it("accepts every document generated from S3's schema and returns its keys and version ids", () => {
    fc.assert(
      fc.property(documentArb, (doc) => {
        const xml = serialize(doc);
        expect(parseDeleteObjectsBody(xml)).toEqual(expected(doc));
        expect(parseDeleteObjectsBody(Buffer.from(xml, "utf8"))).toEqual(expected(doc));
      }),
      { numRuns: 400 },
    );
  });

  it("refuses every mutation of a schema document outside the schema as MalformedXML", () => {
    fc.assert(
      fc.property(documentArb, fc.constantFrom(...MUTATIONS), (doc, [, mutate]) => {
        const xml = serialize(doc);
        const mutated = mutate(xml);
        expect(mutated).not.toBe(xml);
        expect(codeOf(mutated)).toBe("MalformedXML");
      }),
      { numRuns: 600 },
    );
  });
});
