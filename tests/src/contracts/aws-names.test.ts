import fc from "fast-check";
import {
  ECR_IMAGE,
  hasControlCharacter,
  isDomainName,
  isHostName,
  isQualifiedHostName,
  isRegion,
  parseCertificateArn,
  parseRoleArn,
  parseSecretArn,
  partitionOfRegion,
  PARTITIONS,
} from "../../../src/contracts/aws-names";

/** A region name of `partition`, drawn from its pattern. */
const regionOf = (partition: (typeof PARTITIONS)[number]) => fc.stringMatching(partition.regions);
const anyRegion = fc.constantFrom(...PARTITIONS).chain((p) => regionOf(p).map((region) => ({ partition: p.id, region })));
const account = fc.stringMatching(/^\d{12}$/);
const secretName = fc.stringMatching(/^[A-Za-z0-9/_+=.@-]{1,64}$/);

describe("regions and partitions", () => {
  it.each([
    ["eu-west-1", "aws"],
    ["us-east-1", "aws"],
    ["ap-southeast-7", "aws"],
    ["mx-central-1", "aws"],
    ["cn-north-1", "aws-cn"],
    ["us-gov-west-1", "aws-us-gov"],
    ["us-iso-east-1", "aws-iso"],
    ["us-isob-east-1", "aws-iso-b"],
    ["eu-isoe-west-1", "aws-iso-e"],
    ["us-isof-south-1", "aws-iso-f"],
    ["eusc-de-east-1", "aws-eusc"],
  ])("places %s in partition %s", (region, partition) => {
    expect(partitionOfRegion(region)).toBe(partition);
    expect(isRegion(region)).toBe(true);
  });

  it.each(["Europe", "eu-west", "eu-west-1a", "EU-WEST-1", "xx-west-1", " eu-west-1", "eu-west-1\n", "aws-global", ""])("refuses %j as a region", (text) => {
    expect(partitionOfRegion(text)).toBeUndefined();
    expect(isRegion(text)).toBe(false);
  });

  it("refuses what is not a string", () => {
    for (const value of [undefined, null, 1, {}]) expect(isRegion(value)).toBe(false);
  });

  it("puts every region in exactly one partition", () => {
    fc.assert(
      fc.property(anyRegion, ({ partition, region }) => {
        expect(PARTITIONS.filter((p) => p.regions.test(region)).map((p) => p.id)).toEqual([partition]);
        expect(partitionOfRegion(region)).toBe(partition);
      }),
    );
  });
});

describe("secret ARNs", () => {
  it("reads back the partition, region, account and name of any well-formed ARN", () => {
    fc.assert(
      fc.property(anyRegion, account, secretName, ({ partition, region }, acct, name) => {
        expect(parseSecretArn(`arn:${partition}:secretsmanager:${region}:${acct}:secret:${name}`)).toEqual({ partition, region, account: acct, resource: name });
      }),
    );
  });

  it("refuses an ARN whose partition is not its region's", () => {
    fc.assert(
      fc.property(anyRegion, fc.constantFrom(...PARTITIONS.map((p) => p.id)), account, secretName, ({ partition, region }, other, acct, name) => {
        fc.pre(other !== partition);
        expect(parseSecretArn(`arn:${other}:secretsmanager:${region}:${acct}:secret:${name}`)).toBeUndefined();
      }),
    );
  });

  it.each([
    "rajee/jwks",
    "arn:aws:secretsmanager::123456789012:secret:x",
    "arn:aws:secretsmanager:eu-west-1:12345678901:secret:x",
    "arn:aws:secretsmanager:eu-west-1:123456789012:parameter:x",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:a b",
    "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x\n",
    "arn:aws-cn:secretsmanager:eu-west-1:123456789012:secret:x",
    "arn:aws-mars:secretsmanager:eu-west-1:123456789012:secret:x",
  ])("refuses %j", (text) => {
    expect(parseSecretArn(text)).toBeUndefined();
  });
});

describe("role and certificate ARNs", () => {
  it("reads an IAM role of any partition, path included", () => {
    expect(parseRoleArn("arn:aws:iam::222222222222:role/rajee-deploy")).toEqual({ partition: "aws", account: "222222222222", name: "rajee-deploy" });
    expect(parseRoleArn("arn:aws-iso-b:iam::222222222222:role/ci/deploy")).toEqual({ partition: "aws-iso-b", account: "222222222222", name: "ci/deploy" });
    for (const text of ["arn:aws:iam::2222:role/x", "arn:aws:iam::222222222222:user/x", "arn:aws-mars:iam::222222222222:role/x", "arn:aws:iam::222222222222:role/"]) {
      expect(parseRoleArn(text)).toBeUndefined();
    }
  });

  it("reads a certificate whose partition is its region's", () => {
    const id = "00000000-0000-4000-8000-000000000001";
    expect(parseCertificateArn(`arn:aws-us-gov:acm:us-gov-west-1:111111111111:certificate/${id}`)).toEqual({ partition: "aws-us-gov", region: "us-gov-west-1", account: "111111111111", id });
    expect(parseCertificateArn(`arn:aws:acm:us-gov-west-1:111111111111:certificate/${id}`)).toBeUndefined();
    expect(parseCertificateArn(`arn:aws:acm:eu-west-1:111111111111:certificate/abc`)).toBeUndefined();
  });

  it("finds the account, region and repository of an ECR image pinned by tag or digest", () => {
    expect(ECR_IMAGE.exec("111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee/authorizer:0.1.0")?.slice(1, 4)).toEqual(["111111111111", "eu-west-1", "rajee/authorizer"]);
    expect(ECR_IMAGE.test(`111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee@sha256:${"a".repeat(64)}`)).toBe(true);
    expect(ECR_IMAGE.test("111111111111.dkr.ecr.eu-west-1.amazonaws.com/rajee")).toBe(false);
    expect(ECR_IMAGE.test("envoyproxy/envoy:v1.34.10")).toBe(false);
  });
});

describe("host names", () => {
  const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$/);

  it("accepts lower-case dotted labels, and tells one label, qualified hosts and public domains apart", () => {
    fc.assert(
      fc.property(fc.array(label, { minLength: 1, maxLength: 5 }), (labels) => {
        const host = labels.join(".");
        expect(isHostName(host)).toBe(true);
        expect(isQualifiedHostName(host)).toBe(labels.length > 1);
        expect(isDomainName(host)).toBe(labels.length > 1 && /^[a-z]{2,}$/.test(labels.at(-1) as string));
      }),
    );
  });

  it("refuses upper case, ports, schemes, empty labels, edge hyphens and over-long names", () => {
    for (const text of ["S3.example.com", "s3.example.com:443", "https://s3.example.com", "s3..example.com", "s3.example.com.", "-s3.example.com", "s3-.example.com", "a_b.example.com", `${"a".repeat(64)}.com`, `${"a.".repeat(127)}ab`, ""]) {
      expect(isHostName(text)).toBe(false);
    }
    expect(isHostName(undefined)).toBe(false);
  });
});

describe("control characters", () => {
  it("finds NUL, every C0 control and DEL anywhere in a string, and nothing else", () => {
    const control = fc.integer({ min: 0, max: 0x1f }).chain((c) => fc.constantFrom(c, 0x7f)).map((c) => String.fromCharCode(c));
    const plain = fc.string({ unit: fc.integer({ min: 0x20, max: 0xffff }).filter((c) => c !== 0x7f && (c < 0xd800 || c > 0xdfff)).map((c) => String.fromCharCode(c)) });
    fc.assert(
      fc.property(plain, control, plain, (before, c, after) => {
        expect(hasControlCharacter(before + c + after)).toBe(true);
        expect(hasControlCharacter(before + after)).toBe(false);
      }),
    );
  });
});
