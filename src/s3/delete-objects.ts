import { fail } from "../errors";
import { checkKeyText } from "./encoding";

/** Envoy's `with_request_body` bound on the DeleteObjects route, and simulate's: 1000 keys of 1024 bytes fit. */
export const DELETE_OBJECTS_MAX_BODY_BYTES = 2 * 1024 * 1024;
/** S3's limit on keys in one DeleteObjects request. */
export const DELETE_OBJECTS_MAX_KEYS = 1000;

export interface DeleteObjectsEntry {
  readonly key: string;
  readonly versionId?: string;
}

const OBJECT_CHILDREN = new Set(["Key", "VersionId", "ETag", "LastModifiedTime", "Size"]);
const ENTITIES: Record<string, string> = { lt: "<", gt: ">", amp: "&", quot: '"', apos: "'" };
const NAME = /^[A-Za-z_][A-Za-z0-9_.-]*/;

function malformed(why: string): never {
  fail("MalformedXML", `DeleteObjects body is not a valid <Delete> document: ${why}`);
}

function unescapeText(text: string): string {
  return text.replace(/&([^;&]*);?/g, (whole, ref: string) => {
    if (!whole.endsWith(";")) malformed("a bare '&' in text; write &amp;");
    if (ref in ENTITIES) return ENTITIES[ref] as string;
    const numeric = /^#(x[0-9a-fA-F]{1,6}|[0-9]{1,7})$/.exec(ref);
    if (!numeric) malformed(`unknown entity '&${ref};'`);
    const code = numeric[1]!.startsWith("x") ? parseInt(numeric[1]!.slice(1), 16) : parseInt(numeric[1]!, 10);
    if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) malformed(`character reference '&${ref};' is not a character`);
    return String.fromCodePoint(code);
  });
}

interface Element {
  readonly name: string;
  readonly children: Element[];
  text: string;
}

/**
 * A deliberately small XML reader: elements, attributes (ignored), text and the five predefined
 * entities plus character references. DTDs, entity declarations, comments, CDATA and processing
 * instructions other than the XML declaration are refused, so nothing can expand or hide content.
 */
function parseDocument(xml: string): Element {
  let at = 0;
  if (xml.startsWith("\uFEFF")) at = 1;
  const declaration = /^<\?xml\s[^?]*\?>/.exec(xml.slice(at));
  if (declaration) at += declaration[0].length;
  const stack: Element[] = [];
  let root: Element | undefined;
  while (at < xml.length) {
    const lt = xml.indexOf("<", at);
    const text = lt < 0 ? xml.slice(at) : xml.slice(at, lt);
    if (text !== "") {
      const current = stack[stack.length - 1];
      if (current) current.text += unescapeText(text);
      else if (text.trim() !== "") malformed("text outside the root element");
    }
    if (lt < 0) break;
    const next = xml[lt + 1];
    if (next === "!" || next === "?") malformed("DTDs, entity declarations, comments, CDATA and processing instructions are not accepted");
    const gt = xml.indexOf(">", lt);
    if (gt < 0) malformed("truncated tag");
    const tag = xml.slice(lt + 1, gt);
    at = gt + 1;
    if (tag.startsWith("/")) {
      const open = stack.pop();
      if (!open || open.name !== tag.slice(1).trim()) malformed(`closing tag </${tag.slice(1).trim()}> does not match`);
      if (stack.length === 0) root = open;
      continue;
    }
    const name = NAME.exec(tag)?.[0];
    if (!name) malformed(`bad tag <${tag.slice(0, 40)}>`);
    const rest = tag.slice(name.length);
    const selfClosing = rest.endsWith("/");
    const attributes = selfClosing ? rest.slice(0, -1) : rest;
    if (attributes.trim() !== "" && !/^(\s+[A-Za-z_:][A-Za-z0-9_:.-]*\s*=\s*("[^"<]*"|'[^'<]*'))*\s*$/.test(attributes)) {
      malformed(`bad attributes on <${name}>`);
    }
    if (root) malformed("more than one root element");
    const element: Element = { name, children: [], text: "" };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    if (selfClosing) {
      if (!parent) root = element;
    } else {
      stack.push(element);
    }
  }
  if (stack.length > 0) malformed(`<${stack[stack.length - 1]!.name}> is never closed (truncated body?)`);
  if (!root) malformed("no root element");
  return root;
}

function onlyChild(element: Element, name: string): Element | undefined {
  const matches = element.children.filter((c) => c.name === name);
  if (matches.length > 1) malformed(`<${element.name}> has more than one <${name}>`);
  return matches[0];
}

/**
 * Reads the keys of a DeleteObjects body. Keys are literal (XML-unescaped, not percent-decoded) and
 * follow the path rules for length and control characters. Anything else is 400 MalformedXML.
 */
export function parseDeleteObjectsBody(body: Uint8Array | string | undefined, maxBytes = DELETE_OBJECTS_MAX_BODY_BYTES): DeleteObjectsEntry[] {
  if (body === undefined || body.length === 0) malformed("the body is missing; send the <Delete> XML document");
  const bytes = typeof body === "string" ? Buffer.byteLength(body, "utf8") : body.byteLength;
  if (bytes > maxBytes) malformed(`the body is ${bytes} bytes, over the ${maxBytes}-byte limit; delete at most 1000 keys per request`);
  let xml: string;
  try {
    xml = typeof body === "string" ? body : new TextDecoder("utf-8", { fatal: true }).decode(body);
  } catch {
    malformed("the body is not UTF-8");
  }
  const root = parseDocument(xml);
  if (root.name !== "Delete") malformed(`the root element is <${root.name}>, expected <Delete>`);
  if (root.text.trim() !== "") malformed("unexpected text in <Delete>");
  const entries: DeleteObjectsEntry[] = [];
  for (const child of root.children) {
    if (child.name === "Quiet") continue;
    if (child.name !== "Object") malformed(`unexpected element <${child.name}> in <Delete>`);
    if (child.text.trim() !== "") malformed("unexpected text in <Object>");
    const unknown = child.children.find((c) => !OBJECT_CHILDREN.has(c.name));
    if (unknown) malformed(`unexpected element <${unknown.name}> in <Object>`);
    const key = onlyChild(child, "Key");
    if (!key || key.children.length > 0 || key.text === "") malformed("every <Object> needs one non-empty <Key>");
    checkKeyText(key.text, "DeleteObjects key");
    const versionId = onlyChild(child, "VersionId");
    entries.push(versionId ? { key: key.text, versionId: versionId.text } : { key: key.text });
    if (entries.length > DELETE_OBJECTS_MAX_KEYS) malformed(`more than ${DELETE_OBJECTS_MAX_KEYS} keys; split the request`);
  }
  if (entries.length === 0) malformed("no <Object> entries");
  return entries;
}
