import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP front for moto's Secrets Manager, on 127.0.0.1, for a process that builds its own SDK
 * client (the rajee CLI, pointed here with AWS_ENDPOINT_URL). It forwards every request to moto and
 * changes one thing moto 5.2.1 does differently from Secrets Manager: a RotateSecret without
 * RotationLambdaARN makes moto forget the secret's rotation function and move AWSCURRENT to the new,
 * empty version itself, where the service rotates with the configured function. The front adds the
 * configured function's ARN (from DescribeSecret) to such a request.
 *
 * `refuse` makes it answer one operation with AccessDeniedException, as IAM would.
 */
export interface MotoFront {
  readonly url: string;
  /** Operation name (e.g. "RotateSecret") to refuse, and the message; undefined to refuse nothing. */
  refuse: { operation: string; message: string } | undefined;
  close(): Promise<void>;
}

const JSON_TYPE = "application/x-amz-json-1.1";
const FORWARDED = ["content-type", "x-amz-target", "authorization", "x-amz-date"];

async function forward(target: string, path: string, headers: Record<string, string>, body: string): Promise<{ status: number; type: string; body: Buffer }> {
  const answer = await fetch(`${target}${path}`, { method: "POST", headers, body });
  return { status: answer.status, type: answer.headers.get("content-type") ?? JSON_TYPE, body: Buffer.from(await answer.arrayBuffer()) };
}

async function withConfiguredFunction(target: string, headers: Record<string, string>, body: string): Promise<string> {
  const request = JSON.parse(body) as { SecretId?: string; RotationLambdaARN?: string };
  if (request.RotationLambdaARN !== undefined || request.SecretId === undefined) return body;
  const described = await forward(target, "/", { ...headers, "x-amz-target": "secretsmanager.DescribeSecret" }, JSON.stringify({ SecretId: request.SecretId }));
  if (described.status !== 200) return body;
  const configured = (JSON.parse(described.body.toString("utf8")) as { RotationLambdaARN?: string }).RotationLambdaARN;
  return configured ? JSON.stringify({ ...request, RotationLambdaARN: configured }) : body;
}

export async function startMotoFront(target: string): Promise<MotoFront> {
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const operation = String(request.headers["x-amz-target"] ?? "").replace(/^secretsmanager\./, "");
      if (front.refuse && front.refuse.operation === operation) {
        response.writeHead(400, { "content-type": JSON_TYPE });
        response.end(JSON.stringify({ __type: "AccessDeniedException", message: front.refuse.message }));
        return;
      }
      const headers: Record<string, string> = {};
      for (const name of FORWARDED) {
        const value = request.headers[name];
        if (typeof value === "string") headers[name] = value;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      (operation === "RotateSecret" ? withConfiguredFunction(target, headers, body) : Promise.resolve(body))
        .then((sent) => forward(target, request.url ?? "/", headers, sent))
        .then((answer) => {
          response.writeHead(answer.status, { "content-type": answer.type });
          response.end(answer.body);
        })
        .catch(() => response.destroy());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const front: MotoFront = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refuse: undefined,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return front;
}
