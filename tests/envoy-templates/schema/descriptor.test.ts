import { patchValidateProto } from "../../../envoy-templates/schema/descriptor";

describe("patchValidateProto", () => {
  const strings = "message StringRules {\r\n  optional bool strict = 25 [default = true];\r\n}\r\n";

  it("restores StringRules.ignore_empty (field 26), which Envoy's protos use", () => {
    expect(patchValidateProto(strings)).toBe(
      "message StringRules {\n  optional bool strict = 25 [default = true];\n\n  optional bool ignore_empty = 26;\n}\n",
    );
  });

  it("leaves a validate.proto that already has ignore_empty alone", () => {
    const patched = patchValidateProto(strings);
    expect(patchValidateProto(patched)).toBe(patched);
  });

  it("fails loudly when the bundled validate.proto changed shape", () => {
    expect(() => patchValidateProto("message StringRules {}\n")).toThrow(
      "validate.proto: StringRules.strict not found once; the bundled protoc-gen-validate changed, update patchValidateProto",
    );
  });
});
