import net from "node:net";

/**
 * What a fault proxy does to the traffic between two local processes:
 * - `pass`: forwards both ways.
 * - `reset`: resets every open connection and each new one at once (a killed process).
 * - `reset-on-answer`: forwards requests, then resets the connection as the answer starts coming
 *   back (the process dies after deciding, before its answer arrives).
 * - `delay`: holds every answer back `ms` milliseconds (a slow process).
 * - `hang`: accepts connections and swallows what arrives; nothing is forwarded or answered.
 * - `cut`: forwards the first `afterBytes` bytes a connection sends, then resets both sides (the
 *   upstream dies in the middle of a request body).
 */
export type FaultMode =
  | { readonly kind: "pass" }
  | { readonly kind: "reset" }
  | { readonly kind: "reset-on-answer" }
  | { readonly kind: "delay"; readonly ms: number }
  | { readonly kind: "hang" }
  | { readonly kind: "cut"; readonly afterBytes: number };

export interface FaultProxy {
  /** `http://127.0.0.1:<port>`: give this to the side that connects. */
  readonly url: string;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Connections open now. */
  readonly open: number;
  /** Applies to open connections and new ones from the next byte on. */
  set(mode: FaultMode): void;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

const PASS: FaultMode = { kind: "pass" };

/** A TCP proxy on 127.0.0.1 in front of `targetUrl` (an http://127.0.0.1:<port> address), for fault tests. */
export async function startFaultProxy(targetUrl: string): Promise<FaultProxy> {
  const target = new URL(targetUrl);
  if (target.hostname !== "127.0.0.1") throw new Error(`fault proxy: target ${targetUrl} is not on 127.0.0.1; fault tests stay on loopback`);
  let mode: FaultMode = PASS;
  let accepted = 0;
  const open = new Set<() => void>();

  const server = net.createServer((client) => {
    accepted++;
    if (mode.kind === "reset") {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(Number(target.port), target.hostname);
    let forwarded = 0;
    let releaseAt = 0;
    const kill = () => {
      open.delete(kill);
      if (!client.destroyed) client.resetAndDestroy();
      if (!upstream.destroyed) upstream.resetAndDestroy();
    };
    open.add(kill);
    client.on("error", kill);
    upstream.on("error", kill);
    client.on("close", kill);
    upstream.on("end", () => {
      // Let delayed answers go out before the client side is closed.
      setTimeout(() => client.end(), Math.max(0, releaseAt - Date.now()));
    });
    upstream.on("close", (hadError) => {
      if (hadError) kill();
    });

    client.on("data", (chunk: Buffer) => {
      const now = mode;
      if (now.kind === "reset") return kill();
      if (now.kind === "hang") return;
      if (now.kind === "cut") {
        const room = now.afterBytes - forwarded;
        if (room > 0) upstream.write(chunk.subarray(0, room));
        forwarded += Math.min(room, chunk.length);
        if (chunk.length >= room) setImmediate(kill);
        return;
      }
      forwarded += chunk.length;
      upstream.write(chunk);
    });
    client.on("end", () => {
      if (mode.kind === "pass" || mode.kind === "delay") upstream.end();
    });

    upstream.on("data", (chunk: Buffer) => {
      const now = mode;
      if (now.kind === "reset" || now.kind === "reset-on-answer") return kill();
      if (now.kind === "hang") return;
      if (now.kind === "delay") {
        releaseAt = Math.max(releaseAt, Date.now() + now.ms);
        setTimeout(() => {
          if (!client.destroyed) client.write(chunk);
        }, releaseAt - Date.now());
        return;
      }
      client.write(chunk);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    get open() {
      return open.size;
    },
    set(next) {
      mode = next;
      if (next.kind === "reset") for (const kill of [...open]) kill();
    },
    async close() {
      for (const kill of [...open]) kill();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
