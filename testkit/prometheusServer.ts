/**
 * A stand-in for Prometheus's HTTP API on 127.0.0.1: `GET /api/v1/query`
 * (and the form-encoded POST Prometheus also takes) answering each query
 * text with what the test set for it, in the JSON Prometheus writes:
 * `{"status":"success","data":{"resultType":"vector","result":[{"metric":{…},"value":[<time>,"<text>"]}]}}`,
 * a scalar result, or an error (`{"status":"error","errorType":…,"error":…}`
 * with Prometheus's status codes: 400 bad_data, 422 execution, 503
 * unavailable). A query the test did not set answers as Prometheus answers
 * a selector of a metric it has never scraped: success, no series. The
 * sample text is sent as given, so a test can serve what a broken exporter
 * or proxy might ("", " ", "0x0", "1e400").
 */
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";

export type Labels = Readonly<Record<string, string>>;

/** What a query answers. */
export type PrometheusReply =
  | { readonly series: readonly { readonly metric?: Labels; readonly value: string }[] }
  | { readonly scalar: string }
  | { readonly error: { readonly status: 400 | 422 | 503; readonly type: string; readonly message: string } }
  | { readonly hang: true };

/** One query received: its text and the `time` parameter (Unix seconds), when sent. */
export interface ReceivedQuery {
  readonly query: string;
  readonly time?: number;
}

/** The instant the stand-in reports for answers without a `time` parameter. */
const DEFAULT_TIME = 1_700_000_000;

export class PrometheusServer {
  private readonly replies = new Map<string, PrometheusReply>();
  private readonly log: ReceivedQuery[] = [];

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<PrometheusServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const stub = new PrometheusServer(server, `http://127.0.0.1:${port}`);
    server.on("request", (req: IncomingMessage, res: ServerResponse) => void stub.handle(req, res));
    return stub;
  }

  /** Sets what `query` (the exact text sent) answers from now on. */
  answer(query: string, reply: PrometheusReply): this {
    this.replies.set(query, reply);
    return this;
  }

  /** `query` answers one series with the sample `value`. */
  value(query: string, value: string, metric: Labels = {}): this {
    return this.answer(query, { series: [{ metric, value }] });
  }

  /** Queries received, in order. */
  get queries(): readonly ReceivedQuery[] {
    return this.log;
  }

  /** Forgets the answers and the queries received. */
  reset(): void {
    this.replies.clear();
    this.log.length = 0;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", this.url);
    if (url.pathname !== "/api/v1/query") return send(res, 404, "404 page not found\n", "text/plain");
    let params = url.searchParams;
    if (req.method === "POST") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    }
    const query = params.get("query");
    if (query === null || query === "") {
      return sendJson(res, 400, { status: "error", errorType: "bad_data", error: 'invalid parameter "query": empty' });
    }
    const timeText = params.get("time");
    const time = timeText === null ? undefined : Number(timeText);
    this.log.push({ query, ...(time === undefined ? {} : { time }) });
    const reply = this.replies.get(query) ?? { series: [] };
    const at = time ?? DEFAULT_TIME;
    if ("hang" in reply) return;
    if ("error" in reply) {
      return sendJson(res, reply.error.status, {
        status: "error",
        errorType: reply.error.type,
        error: reply.error.message,
      });
    }
    const data =
      "scalar" in reply
        ? { resultType: "scalar", result: [at, reply.scalar] }
        : {
            resultType: "vector",
            result: reply.series.map((series) => ({ metric: series.metric ?? {}, value: [at, series.value] })),
          };
    sendJson(res, 200, { status: "success", data });
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  send(res, status, JSON.stringify(body), "application/json");
}

function send(res: ServerResponse, status: number, body: string, type: string): void {
  res.writeHead(status, { "content-type": type, "content-length": Buffer.byteLength(body) });
  res.end(body);
}
