/** A decoded `content-encoding: aws-chunked` body with its trailing headers. */
export interface DecodedChunks {
  readonly body: Buffer;
  readonly trailers: Readonly<Record<string, string>>;
}

/**
 * Decodes aws-chunked framing: `<hex-size>[;chunk-signature=...]\r\n<data>\r\n` repeated, a zero-size
 * chunk, then trailer lines `name:value\r\n` and a final `\r\n`. Throws on any framing error.
 */
export function decodeAwsChunked(raw: Buffer): DecodedChunks {
  const parts: Buffer[] = [];
  let at = 0;
  const line = (): string => {
    const end = raw.indexOf("\r\n", at);
    if (end < 0) throw new Error("aws-chunked body is truncated (missing CRLF)");
    const text = raw.subarray(at, end).toString("latin1");
    at = end + 2;
    return text;
  };
  for (;;) {
    const header = line();
    const size = parseInt(header.split(";")[0]!, 16);
    if (!/^[0-9a-fA-F]+$/.test(header.split(";")[0]!) || Number.isNaN(size)) throw new Error(`bad aws-chunked size line ${JSON.stringify(header.slice(0, 40))}`);
    if (size === 0) break;
    if (at + size + 2 > raw.length) throw new Error("aws-chunked body is truncated inside a chunk");
    parts.push(raw.subarray(at, at + size));
    at += size;
    if (raw.subarray(at, at + 2).toString("latin1") !== "\r\n") throw new Error("aws-chunked chunk is not followed by CRLF");
    at += 2;
  }
  const trailers: Record<string, string> = {};
  for (;;) {
    if (at >= raw.length) break;
    const trailer = line();
    if (trailer === "") break;
    const colon = trailer.indexOf(":");
    if (colon <= 0) throw new Error(`bad aws-chunked trailer ${JSON.stringify(trailer.slice(0, 40))}`);
    trailers[trailer.slice(0, colon).trim().toLowerCase()] = trailer.slice(colon + 1).trim();
  }
  if (at !== raw.length) throw new Error("aws-chunked body has bytes after its trailers");
  return { body: Buffer.concat(parts), trailers };
}
