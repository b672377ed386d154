import { motoAvailability, startMotoServer } from "../../bin/dev/moto-server";

/**
 * moto (a local AWS API, a Python package) for the tests that need a real AWS API implementation.
 * One check per test file, one moto per test file (start it in beforeAll, stop it in afterAll):
 *
 *   const moto = motoSetup();
 *   const describeWithMoto = moto.ok ? describe : describe.skip;
 *   describeWithMoto("...", () => {
 *     let aws: Moto;
 *     beforeAll(async () => { aws = await startMoto(); });
 *     afterAll(() => aws.stop());
 *   });
 *
 * CI (.ci/run) fails when moto is missing, so a green CI run means these tests ran.
 */
export interface Moto {
  /** `http://127.0.0.1:<port>`: the endpoint for every AWS service client. */
  readonly url: string;
  /** Stops the moto process this helper started (by its PID). */
  stop(): Promise<void>;
}

/** Whether moto can run here; when it cannot, prints why the suite skips and returns the reason. */
export function motoSetup(): { ok: true } | { ok: false; reason: string } {
  const availability = motoAvailability();
  if (!availability.ok) console.warn(`SKIPPED moto tests: ${availability.reason}`);
  return availability;
}

/** Starts a moto on a free 127.0.0.1 port and waits until it answers. */
export async function startMoto(): Promise<Moto> {
  const server = await startMotoServer();
  return { url: server.url, stop: () => server.stop() };
}
