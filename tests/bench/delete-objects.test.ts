import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { attackBody, legitGetUnderAttack } from "../../bench/delete-objects";
import { parseConfig } from "../../handlers/authorizer/config";
import { createLogger } from "../../handlers/authorizer/logger";
import { Authorizer } from "../../handlers/authorizer/service";
import { fileSource } from "../../handlers/authorizer/text-source";
import { AUTHORIZER_VARIABLES } from "../../src/contracts/authorizer-environment";
import { generateSigningKeyPair } from "../../src/keys/generate";
import { mintToken } from "../../src/token/mint";
import { TempDirs } from "../support/temp";

/** What one attack check costs on the injected clock: 1 s, so the GET's figure counts the checks in its window. */
const ATTACK_CHECK_NS = 1_000_000_000n;

describe("legitGetUnderAttack", () => {
  const temp = new TempDirs();
  let authorizer: Authorizer;
  let token: string;
  const logger = createLogger("info", { write: () => {} });

  beforeAll(async () => {
    const dir = temp.make("bench-delete-objects");
    const pair = await generateSigningKeyPair();
    const jwksPath = join(dir, "jwks.json");
    writeFileSync(jwksPath, JSON.stringify({ keys: [pair.publicKey] }));
    token = await mintToken({ key: pair.privateKey, subject: "bench", grants: ["delete:data/team/", "read:data/"], ttlSeconds: 3600, issuer: "rajee", audience: "rajee" });
    authorizer = new Authorizer({
      config: parseConfig({ [AUTHORIZER_VARIABLES.jwksFile]: jwksPath, [AUTHORIZER_VARIABLES.rateLimitPerSecond]: "0" }),
      keySource: fileSource(jwksPath),
      logger,
    });
    await authorizer.keys.refresh("start");
  });

  afterAll(() => {
    authorizer.stop();
    temp.removeAll();
  });

  it("times the GET from its submission, so attack checks the authorizer judges first fall inside its time", async () => {
    // A clock that moves only when the authorizer judges an attack body: the GET's figure is then
    // exactly the attack checks judged between its submission and its answer.
    let now = 0n;
    const judge = authorizer.checkNow.bind(authorizer);
    const spy = jest.spyOn(authorizer, "checkNow").mockImplementation((request, options) => {
      if (request.method === "POST") now += ATTACK_CHECK_NS;
      return judge(request, options);
    });
    try {
      const rounds = 2;
      const results = await legitGetUnderAttack({ authorizer, logger, token, attack: attackBody(256 * 1024), rounds, clock: () => now });
      expect(results.legit_get_idle_ms).toEqual({ median: 0, max: 0 });
      expect(results.legit_get_ms.map((l) => l.behind)).toEqual(["anonymous", "authenticated"]);
      for (const behind of results.legit_get_ms) {
        expect(behind.attack_checks).toBe(4 * rounds);
        // At least the checks answered before the GET in the round it was slowest; at most all four.
        expect(behind.max).toBeGreaterThanOrEqual(1000);
        expect(behind.max).toBeLessThanOrEqual(4000);
      }
    } finally {
      spy.mockRestore();
    }
  });

  it("fails the section when the GET is answered before every attack check, instead of timing an idle authorizer", async () => {
    const judge = authorizer.checkNow.bind(authorizer);
    // Attack checks answered 50 ms late: the GET overtakes all four.
    const spy = jest.spyOn(authorizer, "checkNow").mockImplementation((request, options) => {
      const answer = judge(request, options);
      return request.method === "POST" ? new Promise((resolve) => setTimeout(() => resolve(answer), 50)) : answer;
    });
    try {
      await expect(legitGetUnderAttack({ authorizer, logger, token, attack: attackBody(256 * 1024), rounds: 1 })).rejects.toThrow(/no attack check was answered between the GET's submission and its answer/);
    } finally {
      spy.mockRestore();
    }
  });

  it("refuses an attack body that fits in one chunk, which could not be in flight when the GET is sent", async () => {
    await expect(legitGetUnderAttack({ authorizer, logger, token, attack: attackBody(1024), rounds: 1 })).rejects.toThrow(/longer than one chunk/);
  });
});
