import { decodeAwsChunked } from "../../../bin/dev/aws-chunked";
import { checksumBase64 } from "../../../bin/dev/checksums";

describe("aws-chunked decoding", () => {
  it("decodes chunks and trailers", () => {
    const raw = Buffer.from("5\r\nhello\r\n6\r\n world\r\n0\r\nx-amz-checksum-crc32:DUoRhQ==\r\n\r\n");
    expect(decodeAwsChunked(raw)).toEqual({ body: Buffer.from("hello world"), trailers: { "x-amz-checksum-crc32": "DUoRhQ==" } });
  });

  it.each([
    ["truncated chunk", "5\r\nhel"],
    ["bad size", "zz\r\nhello\r\n0\r\n\r\n"],
    ["missing CRLF after data", "5\r\nhelloX0\r\n\r\n"],
    ["junk after trailers", "0\r\n\r\njunk"],
  ])("refuses a %s", (_name, raw) => {
    expect(() => decodeAwsChunked(Buffer.from(raw))).toThrow();
  });
});

describe("flexible checksums", () => {
  // Standard check values: the checksum of the ASCII string "123456789".
  const check = Buffer.from("123456789");
  it.each([
    ["crc32", "cbf43926"],
    ["crc32c", "e3069283"],
    ["crc64nvme", "ae8b14860a799888"],
    ["sha1", "f7c3bc1d808e04732adf679965ccc34ca7ae3441"],
  ])("computes %s per its published check value", (algorithm, hex) => {
    expect(Buffer.from(checksumBase64(algorithm, check)!, "base64").toString("hex")).toBe(hex);
  });

  it("matches what the AWS SDK sends for 'hello world'", () => {
    expect(checksumBase64("crc32", Buffer.from("hello world"))).toBe("DUoRhQ==");
  });
});
