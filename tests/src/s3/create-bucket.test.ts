import { parseGrant, type Grant } from "../../../src/grants/grant";
import { createBucketAnswer } from "../../../src/s3/create-bucket";

const grants = (...texts: string[]): Grant[] =>
  texts.map((text) => {
    const parsed = parseGrant(text);
    if (!parsed.ok) throw new Error(parsed.problem);
    return parsed.grant;
  });

describe("createBucketAnswer", () => {
  it("answers 409 BucketAlreadyOwnedByYou, naming the bucket, when a grant writes anywhere in it", () => {
    for (const list of [grants("write:data/"), grants("write:data/team/a.csv"), grants("read:data/", "*:data/inbox/")]) {
      expect(createBucketAnswer("data", list)).toEqual({
        reason: "bucket-already-owned",
        error: { code: "BucketAlreadyOwnedByYou", status: 409, resource: "data", message: expect.stringContaining("never forwarded") },
      });
    }
  });

  it("answers 403 AccessDenied without a write grant in that bucket", () => {
    for (const list of [[], grants("read:data/", "list:data/", "delete:data/"), grants("write:other/"), grants("write:data2/")]) {
      expect(createBucketAnswer("data", list)).toMatchObject({ reason: "outside-grants", error: { code: "AccessDenied", status: 403, resource: "data" } });
    }
  });
});
