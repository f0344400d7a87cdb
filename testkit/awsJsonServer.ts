/**
 * The loopback HTTP server under the AWS stand-ins that speak AWS's JSON
 * protocols (ECS, CloudWatch): `X-Amz-Target: <prefix><Action>` and a JSON
 * body in, one JSON answer out.
 */
import { randomBytes } from "node:crypto";
import { createServer, IncomingHttpHeaders, Server } from "node:http";

export interface AwsJsonRequest {
  readonly action: string;
  readonly headers: IncomingHttpHeaders;
  /** The request's JSON body; throws on a body that is not JSON (the stand-in answers it as its own error). */
  body(): any;
}

export interface AwsJsonAnswer {
  readonly status: number;
  readonly payload: unknown;
  readonly headers?: Record<string, string>;
  /** Milliseconds before the answer leaves. */
  readonly delayMs?: number;
}

/** Listens on a loopback port; `answer` gets each request once its body has arrived. */
export async function startAwsJsonServer(
  targetPrefix: string,
  contentType: string,
  answer: (request: AwsJsonRequest) => AwsJsonAnswer,
): Promise<Server> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const target = String(req.headers["x-amz-target"] ?? "");
      const action = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : target;
      const body = () => JSON.parse(Buffer.concat(chunks).toString() || "{}");
      const { status, payload, headers, delayMs = 0 } = answer({ action, headers: req.headers, body });
      setTimeout(() => {
        res.writeHead(status, {
          "content-type": contentType,
          "x-amzn-requestid": randomBytes(8).toString("hex"),
          ...headers,
        });
        res.end(JSON.stringify(payload));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}
