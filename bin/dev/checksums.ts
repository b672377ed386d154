import { createHash, type BinaryLike } from "node:crypto";
import { crc32 } from "node:zlib";

function crcTable32(polynomial: number): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ polynomial : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
}
const CRC32C_TABLE = crcTable32(0x82f63b78);

function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC32C_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const CRC64_NVME_POLY = 0x9a6c9329ac4bc9b5n; // reflected 0xad93d23594c93659
const CRC64_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = BigInt(n);
  for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ CRC64_NVME_POLY : c >> 1n;
  return c;
});

function crc64nvme(data: Uint8Array): Buffer {
  let crc = 0xffffffffffffffffn;
  for (const byte of data) crc = CRC64_TABLE[Number((crc ^ BigInt(byte)) & 0xffn)]! ^ (crc >> 8n);
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(crc ^ 0xffffffffffffffffn);
  return out;
}

const uint32 = (value: number) => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0);
  return out;
};
const digest = (algorithm: string) => (data: BinaryLike) => createHash(algorithm).update(data).digest();

/** S3's flexible checksums by header name (`x-amz-checksum-<name>`), as base64 of the big-endian digest. */
export const CHECKSUMS: Readonly<Record<string, (data: Uint8Array) => Buffer>> = {
  crc32: (data) => uint32(crc32(data)),
  crc32c: (data) => uint32(crc32c(data)),
  crc64nvme,
  sha1: digest("sha1"),
  sha256: digest("sha256"),
};

/** The base64 checksum S3 would compute, or undefined for an algorithm it does not know. */
export function checksumBase64(algorithm: string, data: Uint8Array): string | undefined {
  const fn = CHECKSUMS[algorithm];
  return fn ? fn(data).toString("base64") : undefined;
}
