import { DELETE_OBJECTS_MAX_BODY_BYTES } from "../contracts/gateway";
import { fail } from "../errors";
import { checkKeyText, MAX_KEY_BYTES } from "./encoding";
import { Cursor } from "./xml-cursor";

/** Envoy's `with_request_body` bound on the DeleteObjects route, and simulate's (defined in the gateway contract). */
export { DELETE_OBJECTS_MAX_BODY_BYTES };
/** S3's limit on keys in one DeleteObjects request. */
export const DELETE_OBJECTS_MAX_KEYS = 1000;
/** The only namespace S3 documents for the `<Delete>` document; it may also be left out. */
export const S3_XML_NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/";
/** Deepest element nesting the schema allows: Delete > Object > Key. */
export const DELETE_OBJECTS_MAX_DEPTH = 3;
/** Most elements a valid document holds: Delete, Quiet, and 1000 Objects of at most 5 children. */
export const DELETE_OBJECTS_MAX_ELEMENTS = 2 + DELETE_OBJECTS_MAX_KEYS * 6;
/** Longest character reference accepted, between `&` and `;` (`#x10FFFF`, with a little room for leading zeros). */
const MAX_REFERENCE_CHARS = 10;

export interface DeleteObjectsEntry {
  readonly key: string;
  readonly versionId?: string;
}

/** The document read: its entries in order, and the Quiet flag when present. */
export interface DeleteObjectsDocument {
  readonly entries: readonly DeleteObjectsEntry[];
  readonly quiet?: boolean;
}

/**
 * `<Object>`'s children, in the order S3's API reference lists them; each at most once, Key first
 * and required. Per child: longest text in characters after unescaping, and what its text may be.
 */
const OBJECT_CHILDREN: readonly { name: string; maxChars: number; pattern?: RegExp; tooLong?: (chars: number) => never }[] = [
  {
    name: "Key",
    maxChars: MAX_KEY_BYTES,
    tooLong: (chars) => fail("KeyTooLongError", `DeleteObjects key is over ${chars - 1} characters; S3 keys are at most ${MAX_KEY_BYTES} bytes`),
  },
  { name: "VersionId", maxChars: 1024 },
  { name: "ETag", maxChars: 1024 },
  { name: "LastModifiedTime", maxChars: 64, pattern: /^[0-9][0-9T:.+\-Z]*$/ },
  { name: "Size", maxChars: 20, pattern: /^[0-9]+$/ },
];

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SLASH = 0x2f;
const QUESTION = 0x3f;
const BANG = 0x21;
const SEMICOLON = 0x3b;
const EQUALS = 0x3d;
const HASH = 0x23;
const BRACKET = 0x5d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const PREDEFINED: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };

function malformed(why: string): never {
  fail("MalformedXML", `DeleteObjects body is not a valid <Delete> document: ${why}`);
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isNameChar = (c: number) =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0x5f || c === 0x3a;
/** XML 1.0 `Char` (section 2.2) for one UTF-16 code unit of a well-formed string. */
const isXmlChar = (c: number) => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c !== 0xfffe && c !== 0xffff);

function skipSpace(cursor: Cursor): void {
  while (isSpace(cursor.code())) cursor.advance();
}

function readName(cursor: Cursor): string {
  const start = cursor.pos;
  while (isNameChar(cursor.code())) cursor.advance();
  if (cursor.pos === start) malformed(cursor.done ? "the body ends inside a tag (truncated?)" : "a tag has no valid name");
  return cursor.take(start);
}

/** A quoted attribute value; no `<`, `&` or control characters (nothing the schema needs). */
function readQuoted(cursor: Cursor): string {
  const quote = cursor.code();
  if (quote !== DQUOTE && quote !== SQUOTE) malformed("an attribute value is not quoted");
  cursor.advance();
  const start = cursor.pos;
  for (let c = cursor.code(); c !== quote; c = cursor.code()) {
    if (c === -1) malformed("the body ends inside an attribute value (truncated?)");
    if (c === LT || c === AMP || c < 0x20) malformed("an attribute value holds '<', '&' or a control character");
    cursor.advance();
  }
  const value = cursor.take(start);
  cursor.advance();
  return value;
}

/** `name = "value"` pairs up to `>`, `/>` or `?>`; stops before that end. Each name once. */
function readAttributes(cursor: Cursor, element: string): Map<string, string> {
  const attributes = new Map<string, string>();
  for (;;) {
    const hadSpace = isSpace(cursor.code());
    skipSpace(cursor);
    const c = cursor.code();
    if (c === GT || c === SLASH || c === QUESTION || c === -1) return attributes;
    if (!hadSpace) malformed(`<${element}> needs a space before each attribute`);
    const name = readName(cursor);
    skipSpace(cursor);
    if (cursor.code() !== EQUALS) malformed(`attribute '${name}' on <${element}> has no value`);
    cursor.advance();
    skipSpace(cursor);
    if (attributes.has(name)) malformed(`attribute '${name}' appears twice on <${element}>`);
    attributes.set(name, readQuoted(cursor));
  }
}

/** The XML declaration, when present: version 1.0, encoding UTF-8 if named, standalone yes/no. */
function readDeclaration(cursor: Cursor): void {
  const prefix = "<?xml";
  for (let i = 0; i < prefix.length; i++) if (cursor.codeAt(i) !== prefix.charCodeAt(i)) return;
  if (!isSpace(cursor.codeAt(prefix.length))) return;
  cursor.advance(prefix.length);
  const attributes = readAttributes(cursor, "?xml");
  if (cursor.code() !== QUESTION || cursor.codeAt(1) !== GT) malformed("the XML declaration does not end in '?>'");
  cursor.advance(2);
  const names = [...attributes.keys()];
  const order = ["version", "encoding", "standalone"].filter((n) => attributes.has(n));
  if (names.join() !== order.join() || names[0] !== "version") malformed("the XML declaration may hold version, encoding and standalone, in that order");
  if (attributes.get("version") !== "1.0") malformed("only XML version 1.0 is accepted");
  const encoding = attributes.get("encoding");
  if (encoding !== undefined && encoding.toLowerCase() !== "utf-8") malformed(`encoding '${encoding}' is not accepted; send UTF-8`);
  const standalone = attributes.get("standalone");
  if (standalone !== undefined && standalone !== "yes" && standalone !== "no") malformed("standalone must be yes or no");
}

interface StartTag {
  readonly name: string;
  readonly attributes: Map<string, string>;
  readonly empty: boolean;
}

/** A start tag; the cursor is on `<` and the next character starts a name. */
function readStartTag(cursor: Cursor): StartTag {
  cursor.advance();
  const name = readName(cursor);
  const attributes = readAttributes(cursor, name);
  let empty = false;
  if (cursor.code() === SLASH) {
    empty = true;
    cursor.advance();
  }
  if (cursor.code() !== GT) malformed(cursor.done ? "the body ends inside a tag (truncated?)" : `<${name}> is not closed with '>'`);
  cursor.advance();
  return { name, attributes, empty };
}

/** `</name>`, optionally with spaces before `>`; the cursor is on `<`. */
function readEndTag(cursor: Cursor, name: string): void {
  if (cursor.code() !== LT || cursor.codeAt(1) !== SLASH) malformed(`<${name}> holds something other than what the schema allows`);
  cursor.advance(2);
  const closing = readName(cursor);
  if (closing !== name) malformed(`</${closing}> closes <${name}>`);
  skipSpace(cursor);
  if (cursor.code() !== GT) malformed(cursor.done ? "the body ends inside a tag (truncated?)" : `</${name}> is not closed with '>'`);
  cursor.advance();
}

/**
 * What lies between elements: whitespace only. Comments, CDATA, processing instructions, DTDs and
 * text are refused; returns at the next `<` that starts a tag, or at the end.
 */
function skipBetweenElements(cursor: Cursor, parent: string): void {
  skipSpace(cursor);
  const c = cursor.code();
  if (c === -1) return;
  if (c !== LT) malformed(parent === "" ? "text outside the root element" : `unexpected text in <${parent}>`);
  const next = cursor.codeAt(1);
  if (next === BANG || next === QUESTION) {
    malformed("comments, CDATA sections, processing instructions, DTDs and entity declarations are not accepted");
  }
}

/** One entity or character reference; the cursor is on `&`. Only the five predefined entities and Char references. */
function readReference(cursor: Cursor): string {
  cursor.advance();
  const start = cursor.pos;
  for (let i = 0; ; i++) {
    const c = cursor.code();
    if (c === SEMICOLON) break;
    if (i >= MAX_REFERENCE_CHARS || !(isNameChar(c) || c === HASH)) malformed("a bare '&' in text; write &amp;");
    cursor.advance();
  }
  const ref = cursor.take(start);
  cursor.advance();
  if (ref.charCodeAt(0) !== HASH) {
    const value = PREDEFINED[ref];
    if (value === undefined) malformed(`unknown entity '&${ref};' (only &lt; &gt; &amp; &quot; &apos; and character references)`);
    return value;
  }
  const numeric = /^#(?:x([0-9a-fA-F]{1,8})|([0-9]{1,8}))$/.exec(ref);
  if (!numeric) malformed(`character reference '&${ref};' is not valid`);
  const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2] as string, 10);
  const isChar = code === 0x9 || code === 0xa || code === 0xd || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
  if (!isChar) malformed(`character reference '&${ref};' is not an XML character`);
  return String.fromCodePoint(code);
}

/**
 * The text content of a leaf element up to its `<`: references unescaped, at most `maxChars`
 * characters once unescaped (checked as it goes, so a long text is never scanned to its end).
 */
function readText(cursor: Cursor, element: string, maxChars: number, tooLong?: (chars: number) => never): string {
  const parts: string[] = [];
  let length = 0;
  let run = cursor.pos;
  for (;;) {
    const c = cursor.code();
    if (c === LT || c === -1) break;
    if (c === AMP) {
      if (cursor.pos > run) parts.push(cursor.take(run));
      const value = readReference(cursor);
      parts.push(value);
      length += value.length;
      run = cursor.pos;
    } else {
      if (!isXmlChar(c)) malformed(`<${element}> holds a character XML does not allow`);
      if (c === GT && cursor.pos - run >= 2 && cursor.codeAt(-1) === BRACKET && cursor.codeAt(-2) === BRACKET) malformed("']]>' in text; write ']]&gt;'");
      cursor.advance();
      length++;
    }
    if (length > maxChars) (tooLong ?? (() => malformed(`<${element}> is longer than ${maxChars} characters`)))(length);
  }
  if (cursor.pos > run) parts.push(cursor.take(run));
  if (cursor.done) malformed(`<${element}> is never closed (truncated body?)`);
  return parts.length === 1 ? (parts[0] as string) : parts.join("");
}

/** A leaf element's text; the start tag is read. No attributes, no children, no empty form. */
function readLeaf(cursor: Cursor, tag: StartTag, maxChars: number, tooLong?: (chars: number) => never): string {
  if (tag.attributes.size > 0) malformed(`<${tag.name}> takes no attributes`);
  if (tag.empty) malformed(`<${tag.name}/> is empty`);
  const text = readText(cursor, tag.name, maxChars, tooLong);
  readEndTag(cursor, tag.name);
  return text;
}

function readObject(cursor: Cursor, tag: StartTag, count: { elements: number }): DeleteObjectsEntry {
  if (tag.attributes.size > 0) malformed("<Object> takes no attributes");
  if (tag.empty) malformed("every <Object> needs one non-empty <Key>");
  const values = new Map<string, string>();
  let next = 0;
  for (;;) {
    skipBetweenElements(cursor, "Object");
    if (cursor.done) malformed("<Object> is never closed (truncated body?)");
    if (cursor.codeAt(1) === SLASH) break;
    const child = readStartTag(cursor);
    if (++count.elements > DELETE_OBJECTS_MAX_ELEMENTS) malformed(`more than ${DELETE_OBJECTS_MAX_ELEMENTS} elements`);
    const index = OBJECT_CHILDREN.findIndex((c) => c.name === child.name);
    if (index < 0) malformed(`unexpected element <${child.name}> in <Object>`);
    if (index < next) {
      malformed(values.has(child.name) ? `<Object> has more than one <${child.name}>` : `<${child.name}> must come before <${OBJECT_CHILDREN[next - 1]!.name}> in <Object>`);
    }
    const spec = OBJECT_CHILDREN[index]!;
    const text = readLeaf(cursor, child, spec.maxChars, spec.tooLong);
    if (spec.pattern && !spec.pattern.test(text)) malformed(`<${spec.name}> '${text.slice(0, 40)}' is not valid`);
    values.set(child.name, text);
    next = index + 1;
  }
  readEndTag(cursor, "Object");
  const key = values.get("Key");
  if (key === undefined || key === "") malformed("every <Object> needs one non-empty <Key>");
  checkKeyText(key, "DeleteObjects key");
  const versionId = values.get("VersionId");
  return versionId === undefined ? { key } : { key, versionId };
}

/**
 * Reads a DeleteObjects document from text, in one forward pass (every character examined a
 * bounded number of times, see `Cursor`). Accepts exactly S3's documented schema: an optional XML
 * declaration, `<Delete>` (optionally `xmlns="http://s3.amazonaws.com/doc/2006-03-01/"`) holding
 * 1 to 1000 `<Object>` and at most one `<Quiet>true|false</Quiet>`, each Object holding `<Key>` then
 * optionally `<VersionId>`, `<ETag>`, `<LastModifiedTime>`, `<Size>` in that order; whitespace
 * between elements. Anything else (other elements or attributes, nesting, text where the schema
 * has none, comments, CDATA, DTDs, processing instructions, entities beyond the five predefined
 * ones) is 400 MalformedXML.
 */
export function readDeleteDocument(cursor: Cursor): DeleteObjectsDocument {
  if (cursor.code() === 0xfeff) cursor.advance();
  readDeclaration(cursor);
  skipBetweenElements(cursor, "");
  if (cursor.done) malformed("no root element");
  const root = readStartTag(cursor);
  if (root.name !== "Delete") malformed(`the root element is <${root.name}>, expected <Delete>`);
  for (const [name, value] of root.attributes) {
    if (name !== "xmlns" || value !== S3_XML_NAMESPACE) malformed(`<Delete> takes only xmlns="${S3_XML_NAMESPACE}", not ${name}="${value.slice(0, 60)}"`);
  }
  if (root.empty) malformed("no <Object> entries");
  const count = { elements: 1 };
  const entries: DeleteObjectsEntry[] = [];
  let quiet: boolean | undefined;
  for (;;) {
    skipBetweenElements(cursor, "Delete");
    if (cursor.done) malformed("<Delete> is never closed (truncated body?)");
    if (cursor.codeAt(1) === SLASH) break;
    const tag = readStartTag(cursor);
    if (++count.elements > DELETE_OBJECTS_MAX_ELEMENTS) malformed(`more than ${DELETE_OBJECTS_MAX_ELEMENTS} elements`);
    if (tag.name === "Object") {
      entries.push(readObject(cursor, tag, count));
      if (entries.length > DELETE_OBJECTS_MAX_KEYS) malformed(`more than ${DELETE_OBJECTS_MAX_KEYS} keys; split the request`);
    } else if (tag.name === "Quiet") {
      if (quiet !== undefined) malformed("<Delete> has more than one <Quiet>");
      const text = readLeaf(cursor, tag, 5);
      if (text !== "true" && text !== "false") malformed("<Quiet> must be true or false");
      quiet = text === "true";
    } else {
      malformed(`unexpected element <${tag.name}> in <Delete>`);
    }
  }
  readEndTag(cursor, "Delete");
  skipBetweenElements(cursor, "");
  if (!cursor.done) malformed("more than one root element");
  if (entries.length === 0) malformed("no <Object> entries");
  return quiet === undefined ? { entries } : { entries, quiet };
}

/** The body as text: within the byte limit and valid UTF-8, else 400 MalformedXML. */
export function deleteBodyText(body: Uint8Array | string | undefined, maxBytes = DELETE_OBJECTS_MAX_BODY_BYTES): string {
  if (body === undefined || body.length === 0) malformed("the body is missing; send the <Delete> XML document");
  const bytes = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.byteLength;
  if (bytes > maxBytes) malformed(`the body is ${bytes} bytes, over the ${maxBytes}-byte limit; delete at most 1000 keys per request`);
  if (typeof body === "string") return body;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    malformed("the body is not UTF-8");
  }
}

/**
 * Reads the keys of a DeleteObjects body. Keys are literal (XML-unescaped, not percent-decoded) and
 * follow the path rules for length and control characters. Anything else is 400 MalformedXML.
 */
export function parseDeleteObjectsBody(body: Uint8Array | string | undefined, maxBytes = DELETE_OBJECTS_MAX_BODY_BYTES): DeleteObjectsEntry[] {
  return [...readDeleteDocument(new Cursor(deleteBodyText(body, maxBytes))).entries];
}
