// Node http (IncomingMessage/ServerResponse) <-> filter manager, as Envoy's HTTP/1 codec and
// connection manager present a request to the filters:
// - headers in wire order, keys lower-cased, Host becomes :authority; pseudo-headers first
//   (:authority, :path, :method, :scheme); hop-by-hop headers removed; x-forwarded-proto and
//   x-request-id added when absent (before the filters, as the connection manager does);
// - a request without content-length/transfer-encoding (or with content-length 0) ends with its
//   headers; otherwise the body chunks of one I/O turn make one data frame, and the frame that
//   completes the request carries end_stream (as Envoy's codec dispatches per socket read);
// - the response gets "server: envoy" (overwritten) and a date; a header-only response without
//   content-length gets content-length: 0;
// - a client that goes away resets the stream (upstream aborted, on_log/on_done/on_delete run).

import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { ConnectionManagerCore } from "./connection-manager.ts";
import type { Downstream, FilterManager } from "./filter-manager.ts";
import { HeaderMap } from "./header-map.ts";
import { address } from "./stream-info.ts";

const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"]);
const EMPTY = new Uint8Array(0);

interface ConnState {
  worker: number;
  id: number;
}

export function requestHeaderMap(req: IncomingMessage, scheme: string): { headers: HeaderMap; hasBody: boolean } {
  const h = new HeaderMap();
  const raw = req.rawHeaders;
  let host = "";
  let contentLength: string | undefined;
  let chunked = false;
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (k === "host") host = raw[i + 1];
    else if (k === "content-length") contentLength = raw[i + 1];
    else if (k === "transfer-encoding") chunked = true;
  }
  h.append(":authority", host);
  h.append(":path", req.url ?? "/");
  h.append(":method", req.method ?? "GET");
  h.append(":scheme", scheme);
  for (let i = 0; i < raw.length; i += 2) {
    const k = raw[i].toLowerCase();
    if (HOP_BY_HOP.has(k)) continue;
    if (k === "te" && raw[i + 1].toLowerCase() !== "trailers") continue;
    h.entries.push([k, raw[i + 1]]);
  }
  if (!h.has("x-forwarded-proto")) h.entries.push(["x-forwarded-proto", scheme]);
  if (!h.has("x-request-id")) h.entries.push(["x-request-id", randomUUID()]);
  const hasBody = chunked || (contentLength !== undefined && contentLength.trim() !== "0");
  return { headers: h, hasBody };
}

/** The client side of one stream: writes what the filter manager sends to the ServerResponse. */
class NodeDownstream implements Downstream {
  done = false;
  constructor(
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
  ) {}

  sendHeaders(h: HeaderMap, end: boolean): void {
    const status = Number(h.get(":status") ?? 502);
    const flat: string[] = [];
    let hasLength = false;
    for (const [k, v] of h.entries) {
      if (k.charCodeAt(0) === 58 || k === "server" || k === "date") continue;
      if (k === "content-length") hasLength = true;
      flat.push(k, v);
    }
    flat.push("server", "envoy");
    if (end && !hasLength) flat.push("content-length", "0");
    this.res.writeHead(status, flat);
    if (end) this.end();
  }
  sendData(chunk: Uint8Array, end: boolean): void {
    if (chunk.length) this.res.write(chunk);
    if (end) this.end();
  }
  sendTrailers(t: HeaderMap): void {
    const obj: Record<string, string> = {};
    for (const [k, v] of t.entries) obj[k] = v;
    this.res.addTrailers(obj);
    this.end();
  }
  reset(): void {
    this.done = true;
    this.res.destroy();
  }
  pauseReading(): void {
    this.req.pause();
  }
  resumeReading(): void {
    this.req.resume();
  }
  private end(): void {
    this.done = true;
    this.res.end();
  }
}

export class NodeAdapter {
  private conns = new WeakMap<Socket, ConnState>();
  private nextWorker = 0;

  constructor(private readonly core: ConnectionManagerCore) {}

  handle = (req: IncomingMessage, res: ServerResponse): void => {
    const core = this.core;
    const socket = req.socket;
    let conn = this.conns.get(socket);
    if (!conn) {
      conn = { worker: this.nextWorker, id: core.newConnectionId() };
      this.nextWorker = (this.nextWorker + 1) % core.concurrency;
      this.conns.set(socket, conn);
    }
    const worker = conn.worker;
    const dispatcher = core.workers[worker].dispatcher;
    const scheme = (socket as { encrypted?: boolean }).encrypted ? "https" : "http";
    const { headers, hasBody } = requestHeaderMap(req, scheme);
    const downstream = new NodeDownstream(req, res);
    const connInfo = {
      remote: address(socket.remoteAddress, socket.remotePort),
      local: address(socket.localAddress, socket.localPort),
      connectionId: conn.id,
    };
    let fm!: FilterManager;
    dispatcher.enter();
    try {
      fm = core.newStream(worker, downstream, connInfo);
      fm.decodeHeaders(headers, !hasBody);
    } finally {
      dispatcher.exit();
    }
    if (hasBody) {
      // Envoy's HTTP/1 codec dispatches the body once per socket read, and the read that
      // completes the message carries end_stream. Node splits that into 'data' events and a later
      // 'end': gather the chunks of one I/O turn and send them as one frame (with end_stream when
      // 'end' came in the same turn).
      let pending: Buffer[] = [];
      let scheduled: NodeJS.Immediate | null = null;
      const flush = (end: boolean) => {
        scheduled = null;
        const chunk = pending.length === 1 ? pending[0] : pending.length === 0 ? EMPTY : Buffer.concat(pending);
        pending = [];
        dispatcher.enter();
        try {
          const raw = req.rawTrailers;
          if (end && raw.length > 0) {
            if (chunk.length) fm.decodeData(chunk, false);
            const t = new HeaderMap();
            for (let i = 0; i < raw.length; i += 2) t.append(raw[i], raw[i + 1]);
            fm.decodeTrailers(t);
          } else {
            fm.decodeData(chunk, end);
          }
        } finally {
          dispatcher.exit();
        }
      };
      req.on("data", (chunk: Buffer) => {
        pending.push(chunk);
        scheduled ??= setImmediate(flush, false);
      });
      req.on("end", () => {
        if (scheduled) clearImmediate(scheduled);
        flush(true);
      });
    } else {
      req.resume();
    }
    res.on("close", () => {
      if (!downstream.done || !res.writableFinished) dispatcher.event(() => fm.downstreamReset());
    });
  };
}
