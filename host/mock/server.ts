// One node:http server serving one or more providers: reads the request, records it, picks the
// fault, asks the provider for a reply and hands it to the response writer.

import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { parseFaultHeader, type FaultSpec, type ParsedFault } from "./faults.ts";
import type { MockRequest, Provider } from "./provider.ts";
import { sendReply, type Reply } from "./response-writer.ts";
import { MockState, type MockOptions, type RecordedRequest } from "./state.ts";

export interface ServeOptions extends MockOptions {
  /** Port to listen on; 0 or absent = a free port. */
  port?: number;
  /** Address to bind; default 127.0.0.1. */
  host?: string;
}

export interface MockServer {
  port: number;
  host: string;
  /** http://host:port */
  url: string;
  state: MockState;
  close(): Promise<void>;
}

export async function serve(providers: Provider[], opts: ServeOptions = {}): Promise<MockServer> {
  const state = new MockState(opts);
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      handle(providers, state, req, res, Buffer.concat(chunks)).catch((err) => {
        // Never log bodies or keys: the message of an internal error is enough to debug the mock.
        console.error(`mock provider: internal error on ${req.method} ${req.url?.split("?")[0]}: ${(err as Error).message}`);
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { message: "mock provider internal error" } }));
      });
    });
  });
  // Longer than the usual client pool idle time, so a gateway never reuses a connection the mock
  // is closing at that moment (Node's default is 5 s).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    host,
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    state,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Black holes and open streams would keep close() waiting forever.
        for (const s of sockets) s.destroy();
      }),
  };
}

async function handle(providers: Provider[], state: MockState, req: http.IncomingMessage, res: http.ServerResponse, raw: Buffer) {
  const url = new URL(req.url ?? "/", "http://mock");
  const query: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in query)) query[k] = v;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(", ") : v;
  }
  let body: unknown;
  let bodyInvalid = false;
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw.toString("utf8"));
    } catch {
      bodyInvalid = true;
    }
  }
  const method = req.method ?? "GET";
  const mreq: MockRequest = { method, path: url.pathname, query, headers, body, bodyInvalid };
  const provider = providers.find((p) => p.claims(method, url.pathname));
  const rec = state.record({ provider: provider?.kind ?? "unknown", method, path: url.pathname, query, headers, body, rawBody: raw });

  let parsed: ParsedFault | undefined;
  if (headers["x-mock-fault"] !== undefined) parsed = parseFaultHeader(headers["x-mock-fault"]);
  if (parsed && !parsed.ok) return answer(rec, res, badFaultHeader(parsed.error));
  if (!provider) return answer(rec, res, notFoundFor(providers, mreq, state));
  const fault = state.faults.take(provider.kind, url.pathname, parsed);
  if (fault) rec.fault = fault;
  if (fault?.blackhole) return; // accepted, never answered; close() or the client ends it
  let reply: Reply;
  if (fault?.status !== undefined) {
    reply = provider.errorReply(fault.status, mreq, state);
    if (fault.retryAfter !== undefined) reply.headers = { ...reply.headers, "retry-after": String(fault.retryAfter) };
  } else {
    reply = provider.handle(mreq, state);
  }
  const gzip = fault?.gzip === true && /\bgzip\b/i.test(headers["accept-encoding"] ?? "");
  await answer(rec, res, reply, fault, gzip);
}

async function answer(rec: RecordedRequest, res: http.ServerResponse, reply: Reply, fault?: FaultSpec, gzip = false): Promise<void> {
  await sendReply(res, reply, fault, {
    onHead: () => (rec.status = reply.status),
    onEnd: (o) => (rec.outcome = o),
    gzip,
  });
}

function notFoundFor(providers: Provider[], req: MockRequest, state: MockState): Reply {
  // With several providers, Gemini-looking paths get Gemini's error shape, the rest OpenAI's.
  const gemini = providers.find((p) => p.kind === "gemini");
  if (gemini && (providers.length === 1 || req.path.startsWith("/v1beta/"))) return gemini.notFound(req, state);
  const anthropic = providers.find((p) => p.kind === "anthropic");
  if (anthropic && providers.length === 1) return anthropic.notFound(req, state);
  return (providers.find((p) => p.kind === "openai") ?? providers[0]).notFound(req, state);
}

function badFaultHeader(message: string): Reply {
  return {
    kind: "json",
    status: 400,
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ error: { message, type: "invalid_request_error", param: "x-mock-fault", code: null } }),
  };
}
