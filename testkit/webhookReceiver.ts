/**
 * A real webhook receiver on 127.0.0.1 (ephemeral port) that records every
 * request and answers as a test scripts it: a status per request in turn
 * (200 once the script runs out), or `hold` to keep requests unanswered until
 * `release()`. It records when a request arrives and when its client goes
 * away, so tests can check order of events instead of clocks.
 */
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { AddressInfo, Socket } from "node:net";

export interface Received {
  readonly method: string;
  /** Path and query, as sent. */
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly body: string;
}

export interface Receiver {
  /** `http://127.0.0.1:<port><path>` */
  url(path: string): string;
  /** Complete requests, in arrival order (a held one counts once its body has arrived). */
  readonly requests: readonly Received[];
  /** Requests whose body has arrived and which are held unanswered. */
  held(): number;
  /** Answers the held requests (200) and stops holding. */
  release(): void;
  /** Resolves when `count` requests have been recorded. */
  waitFor(count: number): Promise<void>;
  /** Resolves when every client connection has closed (the sender gave up or finished). */
  connectionsClosed(): Promise<void>;
  close(): Promise<void>;
}

export interface ReceiverScript {
  /** Statuses for the first requests, in turn; then 200. */
  readonly statuses?: readonly number[];
  /** Keep every request unanswered until `release()`. */
  readonly hold?: boolean;
}

export async function startReceiver(script: ReceiverScript = {}): Promise<Receiver> {
  const requests: Received[] = [];
  const statuses = [...(script.statuses ?? [])];
  let holding = script.hold ?? false;
  const heldResponses: ServerResponse[] = [];
  const sockets = new Set<Socket>();
  const waiters: (() => void)[] = [];
  const notifyWaiters = () => waiters.splice(0).forEach((wake) => wake());

  const server = createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (holding) heldResponses.push(res);
      else res.writeHead(statuses.shift() ?? 200).end("ok");
      notifyWaiters();
    });
  });
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => {
      sockets.delete(socket);
      notifyWaiters();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((wake) => waiters.push(wake));
  };

  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    held: () => heldResponses.filter((res) => !res.writableEnded && !res.destroyed).length,
    release() {
      holding = false;
      for (const res of heldResponses.splice(0)) if (!res.destroyed) res.writeHead(200).end("ok");
    },
    waitFor: (count) => until(() => requests.length >= count),
    connectionsClosed: () => until(() => sockets.size === 0),
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** A loopback URL where nothing listens (connection refused): a port just freed. */
export async function refusedUrl(path: string): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}${path}`;
}
