import { GetParameterCommand, PutParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { parameterSource } from "../../../handlers/authorizer/runtime-settings";
import { runtimeParameterName } from "../../../src/contracts/authorizer-environment";
import { motoSetup, startMoto, type Moto } from "../../support/moto";
import { jwksText, keyPair, MemorySource, mint, startHarness, type Harness } from "./support";

const NAME = runtimeParameterName("test");
const POLL_MS = 250;

/** Waits until `condition` holds, checking every 25 ms, for at most `ms`. */
async function within(ms: number, condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("parameter source", () => {
  const ssm = mockClient(SSMClient);
  afterEach(() => ssm.reset());
  afterAll(() => ssm.restore());

  it("names the parameter and the AWS error when the read fails", async () => {
    ssm.on(GetParameterCommand).rejects(Object.assign(new Error("Parameter /rajee/test/runtime not found."), { name: "ParameterNotFound" }));
    await expect(parameterSource(NAME, new SSMClient({ region: "eu-west-1" })).read()).rejects.toThrow(
      `parameter ${NAME}: GetParameter failed (ParameterNotFound: Parameter /rajee/test/runtime not found.)`,
    );
  });
});

const moto = motoSetup();
const describeWithMoto = moto.ok ? describe : describe.skip;

describeWithMoto("runtime settings from moto's SSM", () => {
  let aws: Moto;
  let client: SSMClient;
  let harness: Harness;
  let token: string;
  const put = (value: object | string) =>
    client.send(new PutParameterCommand({ Name: NAME, Type: "String", Overwrite: true, Value: typeof value === "string" ? value : JSON.stringify(value) }));
  const decisions = () => harness.logs.filter((l) => l.event === "decision");
  const checkOnce = () => harness.check({ path: "/data/a", headers: { "x-amz-security-token": token } });

  beforeAll(async () => {
    aws = await startMoto();
    client = new SSMClient({ endpoint: aws.url, region: "eu-west-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
    await put({ logLevel: "info" });
    const pair = await keyPair();
    token = await mint(pair, ["read:data/"]);
    harness = await startHarness({
      env: { RAJEE_LOG_LEVEL: "info", RAJEE_RATE_LIMIT_PER_SECOND: "0" },
      keySource: new MemorySource(jwksText(pair.publicKey)),
      runtimeSettings: { source: parameterSource(NAME, client), intervalMs: POLL_MS },
    });
  }, 30_000);
  afterAll(async () => {
    await harness?.close();
    await aws?.stop();
  });

  it("changes the log level within one poll interval of the parameter changing, but never to one that drops decision lines", async () => {
    await checkOnce();
    expect(decisions()).toHaveLength(1);
    await put({ logLevel: "debug" });
    await within(POLL_MS * 2 + 500, () => harness.app.runtime?.current.logLevel === "debug");
    await put({ logLevel: "silent" });
    await within(POLL_MS * 2 + 500, () => harness.logs.some((l) => l.event === "runtime_setting_ignored" && l.field === "logLevel"));
    expect(harness.app.runtime?.current.logLevel).toBe("debug");
    expect((await checkOnce()).status).toBe(200);
    expect(decisions()).toHaveLength(2);
    await put({ logLevel: "info" });
    await within(POLL_MS * 2 + 500, () => harness.app.runtime?.current.logLevel === "info");
    // Each change is logged before it applies, at the level then in force.
    expect(harness.logs.filter((l) => l.event === "runtime_settings").map((l) => l.log_level)).toEqual(["info", "debug", "info"]);
  });

  it("logs a bad value and keeps the last good one while the other fields apply", async () => {
    await put({ logLevel: "loud", rateLimitPerSubject: 1 });
    await within(POLL_MS * 2 + 500, () => harness.app.runtime?.current.rateLimitPerSubject === 1);
    expect(harness.app.runtime?.current.logLevel).toBe("info");
    const ignored = harness.logs.find((l) => l.event === "runtime_setting_ignored");
    expect(ignored).toMatchObject({ level: "warn", field: "logLevel", source: `parameter ${NAME}` });
    // Rate 1, burst 2: the third check in a row is refused.
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await checkOnce()).status);
    expect(statuses).toEqual([200, 200, 429]);
  });

  it("keeps everything as it was when the parameter is not JSON", async () => {
    const before = harness.app.runtime?.current;
    await put("logLevel=debug");
    await within(POLL_MS * 2 + 500, () => harness.logs.some((l) => l.event === "refresh" && l.document === "runtime-settings" && l.result === "error"));
    expect(harness.app.runtime?.current).toBe(before);
  });
});
