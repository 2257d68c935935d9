// One HTTP/1.1 request to one upstream host over a keep-alive agent, bridged to the contract's
// UpstreamCallbacks:
// - the connection is opened at once; request headers go out with the first body write;
// - response body chunks are handed over per socket read: chunks parsed from one read are joined,
//   and when the response ends in that same read the last chunk carries endStream, as Envoy's
//   HTTP/1 codec dispatches them (otherwise an empty chunk with endStream follows);
// - a failure before the connection is up is "connect" (refused, connect_timeout), after it
//   "reset" (including an upstream that closes mid-response). Upstream trailers are dropped, as
//   Envoy's HTTP/1 codec does unless enable_trailers is set.
import * as http from "node:http";
import * as https from "node:https";
import type { Socket } from "node:net";
import type { HeaderList, UpstreamCallbacks, UpstreamFailure, UpstreamRequest } from "../../contract.ts";

// Hop-by-hop headers Node's HTTP/1 client manages itself.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te"]);

export interface UpstreamTarget {
  address: string;
  port: number;
  agent: http.Agent;
  tls: { servername: string } | null;
  connectTimeoutMs: number;
}

export type Outcome =
  | { kind: "response"; status: number; durationMs: number }
  | { kind: "failure"; reason: UpstreamFailure; detail: string }
  | { kind: "aborted" };

export interface OutcomeHooks {
  onNewConnection(): void;
  onResponseHeaders(status: number): void;
  onDone(outcome: Outcome): void;
}

export function startUpstreamRequest(target: UpstreamTarget, headers: HeaderList, cb: UpstreamCallbacks, hooks: OutcomeHooks): UpstreamRequest {
  const started = performance.now();
  let method = "GET";
  let path = "/";
  let authority = "";
  const flat: string[] = [];
  for (const [k, v] of headers) {
    if (k === ":method") method = v;
    else if (k === ":path") path = v;
    else if (k === ":authority") authority = v;
    else if (k.startsWith(":") || HOP_BY_HOP.has(k)) continue;
    else flat.push(k, v);
  }
  if (authority !== "") flat.unshift("host", authority);

  let finished = false;
  let requestEnded = false;
  let connected = false;
  let connectTimer: NodeJS.Timeout | null = null;

  const finish = (outcome: Outcome): void => {
    if (finished) return;
    finished = true;
    if (connectTimer) clearTimeout(connectTimer);
    hooks.onDone(outcome);
  };
  const fail = (reason: UpstreamFailure, detail: string): void => {
    if (finished) return;
    finish({ kind: "failure", reason, detail });
    req?.destroy();
    cb.onFailure(reason, detail);
  };

  let req: http.ClientRequest | null = null;
  try {
    const options: https.RequestOptions = {
      host: target.address,
      port: target.port,
      method,
      path,
      headers: flat as unknown as http.OutgoingHttpHeaders, // Node takes rawHeaders-style arrays
      agent: target.agent,
      setHost: false,
    };
    if (target.tls) options.servername = target.tls.servername; // "" = no SNI, Envoy's default
    req = (target.tls ? https : http).request(options);
  } catch (e) {
    // Invalid header names or values: nothing was sent; report it like a reset.
    const detail = (e as Error).message;
    process.nextTick(() => fail("reset", detail));
    return {
      write() {},
      abort() {
        finish({ kind: "aborted" });
      },
    };
  }

  // A response that completes before the request body does: the HTTP/1 connection cannot be
  // reused, so it is closed (Envoy resets the upstream stream the same way).
  const dropUnfinishedRequest = (): void => {
    if (!requestEnded) req?.destroy();
  };

  req.on("socket", (socket: Socket) => {
    if (req?.reusedSocket) {
      connected = true; // a kept-alive connection
      return;
    }
    hooks.onNewConnection();
    connectTimer = setTimeout(() => fail("connect", `connect_timeout ${target.connectTimeoutMs}ms`), target.connectTimeoutMs);
    socket.once(target.tls ? "secureConnect" : "connect", () => {
      connected = true;
      if (connectTimer) clearTimeout(connectTimer);
      connectTimer = null;
    });
  });

  req.on("error", (err: NodeJS.ErrnoException) => {
    fail(connected ? "reset" : "connect", err.code ?? err.message);
  });

  req.on("response", (res: http.IncomingMessage) => {
    if (finished) {
      res.resume();
      return;
    }
    const status = res.statusCode ?? 0;
    const respHeaders: HeaderList = [[":status", String(status)]];
    const raw = res.rawHeaders;
    for (let i = 0; i + 1 < raw.length; i += 2) respHeaders.push([raw[i].toLowerCase(), raw[i + 1]]);
    const noBody = method === "HEAD" || status === 204 || status === 304 || res.headers["content-length"] === "0";
    hooks.onResponseHeaders(status);
    if (noBody) {
      finish({ kind: "response", status, durationMs: performance.now() - started });
      res.resume();
      cb.onHeaders(respHeaders, true);
      dropUnfinishedRequest();
      return;
    }

    let pending: Buffer[] = [];
    let scheduled = false;
    let ended = false;
    const flush = (): void => {
      scheduled = false;
      if (finished) return;
      const chunk = pending.length === 1 ? pending[0] : Buffer.concat(pending);
      pending = [];
      if (ended) {
        finish({ kind: "response", status, durationMs: performance.now() - started });
        cb.onData(chunk, true);
        dropUnfinishedRequest();
      } else if (chunk.length > 0) {
        cb.onData(chunk, false);
      }
    };
    res.on("data", (chunk: Buffer) => {
      pending.push(chunk);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    });
    res.on("end", () => {
      ended = true;
      if (!scheduled) flush();
    });
    res.on("close", () => {
      if (!res.complete) fail("reset", "upstream connection closed before the response completed");
    });
    res.on("error", (err: NodeJS.ErrnoException) => fail("reset", err.code ?? err.message));

    cb.onHeaders(respHeaders, false);
  });

  return {
    write(chunk: Uint8Array, endStream: boolean): void {
      if (finished || !req || requestEnded) return;
      if (chunk.length > 0) req.write(chunk);
      if (endStream) {
        requestEnded = true;
        req.end();
      }
    },
    abort(): void {
      if (finished) return;
      finish({ kind: "aborted" });
      req?.destroy();
    },
  };
}
