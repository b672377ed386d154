import type { DestinationStream } from "pino";
import type { Exchange } from "./gateway-emulator";

/** What the authorizer decided about one request, from its `event: "decision"` log line. */
export interface LoggedDecision {
  readonly decision: "allow" | "deny";
  readonly reason?: string;
  readonly code?: string;
  readonly message?: string;
  readonly operation?: string;
}

/** One request through the local gateway: what the client saw and, when it got that far, what the authorizer decided. */
export interface RequestRecord extends Exchange {
  readonly decided?: LoggedDecision;
}

/** Decisions waiting for their exchange to end; more than this means exchanges were lost, so the oldest go. */
const MAX_PENDING = 1000;

/**
 * Joins the authorizer's decision log lines to the emulator's exchanges by request id. `sink` is a
 * pino destination for the authorizer's logger (every line is also passed to `forward`, if given);
 * `record` turns an exchange into a RequestRecord with its decision.
 */
export function decisionJoin(forward?: DestinationStream): { sink: DestinationStream; record(exchange: Exchange): RequestRecord } {
  const pending = new Map<string, LoggedDecision>();
  return {
    sink: {
      write(line: string) {
        forward?.write(line);
        let entry: Record<string, unknown>;
        try {
          entry = JSON.parse(line) as Record<string, unknown>;
        } catch {
          return;
        }
        if (entry.event !== "decision" || typeof entry.request_id !== "string") return;
        const text = (name: string) => (typeof entry[name] === "string" ? { [name]: entry[name] as string } : {});
        pending.set(entry.request_id, { decision: entry.decision === "allow" ? "allow" : "deny", ...text("reason"), ...text("code"), ...text("message"), ...text("operation") });
        if (pending.size > MAX_PENDING) pending.delete(pending.keys().next().value!);
      },
    },
    record(exchange) {
      const decided = pending.get(exchange.requestId);
      pending.delete(exchange.requestId);
      return decided ? { ...exchange, decided } : exchange;
    },
  };
}

/** Longest path shown; the rest is cut with an ellipsis so one request stays one line. */
const MAX_PATH_CHARS = 120;

/** Characters a terminal would act on are shown escaped, so a request cannot forge output. */
function printable(text: string): string {
  // eslint-disable-next-line no-control-regex -- escaping control characters is the point
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}

/**
 * One concise line for a request: `GET /dev-bucket/a.txt 200 allow GetObject 4 ms`, or for a denial
 * `HEAD /other/a 403 deny AccessDenied (outside-grants): <message> 2 ms`. A request refused before the authorizer
 * (by the emulated Envoy) or when the authorizer could not answer shows its status only.
 */
export function formatRequestLine(record: RequestRecord): string {
  const path = record.path.length > MAX_PATH_CHARS ? `${record.path.slice(0, MAX_PATH_CHARS)}...` : record.path;
  const head = `${printable(record.method)} ${printable(path)} ${record.status}`;
  const d = record.decided;
  const middle = !d
    ? record.requestId === ""
      ? "refused by the gateway before the authorizer"
      : "no decision (authorizer unreachable or failed)"
    : d.decision === "allow"
      ? `allow ${d.operation ?? ""}`.trimEnd()
      : `deny ${d.code ?? "AccessDenied"}${d.reason ? ` (${printable(d.reason)})` : ""}${d.message ? `: ${printable(d.message)}` : ""}`;
  return `${head} ${middle} ${record.ms < 10 ? record.ms.toFixed(1) : Math.round(record.ms)} ms`;
}
