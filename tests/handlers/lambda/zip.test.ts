import { writeZip } from "../../../handlers/lambda/zip";
import { readZip } from "./read-zip";

describe("writeZip", () => {
  it("writes entries that read back byte for byte, with fixed dates and rw-r--r-- files", () => {
    const entries = [
      { name: "index.js", data: Buffer.from("exports.handler = async () => 1;\n") },
      { name: "dir/é.txt", data: Buffer.alloc(10000, 7) },
      { name: "empty", data: Buffer.alloc(0) },
    ];
    const zip = writeZip(entries);
    expect(readZip(zip).map((e) => [e.name, e.data.toString("hex"), e.mode.toString(8)])).toEqual(entries.map((e) => [e.name, e.data.toString("hex"), "100644"]));
    expect(zip.readUInt16LE(12)).toBe(0x21); // 1980-01-01
    expect(writeZip(entries).equals(zip)).toBe(true);
  });
});
