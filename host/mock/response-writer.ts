// Puts a provider's reply on the wire, applying the fault's timing, re-chunking and cut-offs.
// Providers build replies as values (a JSON body or a list of stream events); only this file
// touches the socket, so every provider gets every fault knob for free.
//
// Stream event serialization (SSE, https://html.spec.whatwg.org/multipage/server-sent-events.html):
//   [event: <name><EOL>] data: <line><EOL> ... <EOL>      EOL = "\n" or "\r\n"
// Events given as `raw` (Gemini's JSON-array streaming) are written as they are.

import type { ServerResponse } from "node:http";
import zlib from "node:zlib";
import type { FaultSpec } from "./faults.ts";

export type StreamEvent = { event?: string; data: string } | { raw: string };

export interface JsonReply {
  kind: "json";
  status: number;
  headers: Record<string, string>;
  /** The serialized body (providers differ in whitespace, so they serialize themselves). */
  body: string;
}

export interface StreamReply {
  kind: "stream";
  status: number;
  headers: Record<string, string>;
  events: StreamEvent[];
  lineEnding: "lf" | "crlf";
  /** What `errorAfterEvents` sends: the provider's own in-stream error event. */
  errorEvent: StreamEvent;
}

export type Reply = JsonReply | StreamReply;

export function serializeEvent(ev: StreamEvent, lineEnding: "lf" | "crlf"): string {
  if ("raw" in ev) return ev.raw;
  const eol = lineEnding === "crlf" ? "\r\n" : "\n";
  let s = ev.event === undefined ? "" : `event: ${ev.event}${eol}`;
  for (const line of ev.data.split("\n")) s += `data: ${line}${eol}`;
  return s + eol;
}

interface Plan {
  units: Buffer[];
  delayMs: number;
  finish: "end" | "reset";
}

/** The writes a reply becomes under a fault (pure: exported for tests). */
export function planWrites(reply: Reply, fault: FaultSpec = {}): Plan {
  const { pieces, finish } = eventPieces(reply, fault);
  return { ...cutUnits(pieces, fault), finish };
}

/** The serialized events (or JSON body) a fault lets through, and how the response ends. */
function eventPieces(reply: Reply, fault: FaultSpec): { pieces: Buffer[]; finish: "end" | "reset" } {
  let pieces: Buffer[];
  let finish: "end" | "reset" = "end";
  if (reply.kind === "json") {
    pieces = [Buffer.from(reply.body, "utf8")];
  } else {
    const eol = fault.lineEnding ?? reply.lineEnding;
    let events = reply.events;
    if (fault.resetAfterEvents !== undefined) {
      events = events.slice(0, fault.resetAfterEvents);
      finish = "reset";
    } else if (fault.errorAfterEvents !== undefined) {
      events = [...events.slice(0, fault.errorAfterEvents), reply.errorEvent];
    } else if (fault.endAfterEvents !== undefined) {
      events = events.slice(0, fault.endAfterEvents);
    }
    pieces = events.map((e) => Buffer.from(serializeEvent(e, eol), "utf8"));
  }
  if (fault.resetAfterBytes !== undefined) {
    pieces = cutAt(pieces, fault.resetAfterBytes);
    finish = "reset";
  }
  return { pieces, finish };
}

/** Groups or slices the pieces into socket writes. */
function cutUnits(pieces: Buffer[], fault: FaultSpec): { units: Buffer[]; delayMs: number } {
  let units = pieces;
  let delayMs = fault.eventDelayMs ?? 0;
  if (fault.chunkSizes && fault.chunkSizes.length > 0) {
    units = sliceBySizes(Buffer.concat(pieces), fault.chunkSizes);
    delayMs = fault.chunkDelayMs ?? delayMs;
  } else if (fault.eventsPerChunk !== undefined && fault.eventsPerChunk > 1) {
    units = [];
    for (let i = 0; i < pieces.length; i += fault.eventsPerChunk) {
      units.push(Buffer.concat(pieces.slice(i, i + fault.eventsPerChunk)));
    }
    delayMs = fault.chunkDelayMs ?? delayMs;
  }
  return { units: units.filter((u) => u.length > 0), delayMs };
}

/**
 * gzip-compresses the pieces as one stream, sync-flushed after each piece so every event can be
 * decoded when it arrives; the gzip trailer follows unless the response is cut by a reset.
 */
export async function gzipPieces(pieces: Buffer[], withTrailer: boolean): Promise<Buffer[]> {
  const gz = zlib.createGzip();
  let cur: Buffer[] = [];
  gz.on("data", (d: Buffer) => cur.push(d));
  const out: Buffer[] = [];
  for (const p of pieces) {
    gz.write(p);
    await new Promise<void>((r) => gz.flush(zlib.constants.Z_SYNC_FLUSH, () => r()));
    out.push(Buffer.concat(cur));
    cur = [];
  }
  if (withTrailer) {
    await new Promise<void>((r) => {
      gz.once("end", r);
      gz.end();
    });
    out.push(Buffer.concat(cur));
  } else {
    gz.destroy();
  }
  return out;
}

/** How a response ended: written completely, reset by a fault, or the client went away first. */
export type Outcome = "complete" | "reset" | "client-closed";

/**
 * Writes the reply; resolves when the response ended, was reset or the client went away.
 * `onHead` runs as the status line is written, `onEnd` as the outcome is decided (before the last
 * bytes are flushed), so records are final by the time the client has the response. `gzip`
 * compresses the body (the caller checked the request's accept-encoding).
 */
export async function sendReply(
  res: ServerResponse,
  reply: Reply,
  fault: FaultSpec = {},
  hooks: { onHead?: () => void; onEnd?: (o: Outcome) => void; gzip?: boolean } = {},
): Promise<Outcome> {
  const done = (o: Outcome) => {
    hooks.onEnd?.(o);
    return o;
  };
  if (fault.firstByteDelayMs) await sleep(fault.firstByteDelayMs, res);
  if (res.destroyed) return done("client-closed");
  if (fault.resetAfterEvents === 0 || fault.resetAfterBytes === 0) {
    done("reset");
    resetSocket(res);
    return "reset";
  }
  const headers: Record<string, string | number> = { ...reply.headers };
  let pieces: Buffer[];
  let finish: "end" | "reset";
  if (hooks.gzip) {
    // Compress what the event cut-offs let through; reset-after-bytes then counts wire bytes.
    const { resetAfterBytes, ...rest } = fault;
    ({ pieces, finish } = eventPieces(reply, rest));
    pieces = await gzipPieces(pieces, finish === "end");
    headers["content-encoding"] = "gzip";
    if (reply.kind === "json") headers["content-length"] = pieces.reduce((n, p) => n + p.length, 0);
    if (resetAfterBytes !== undefined) {
      pieces = cutAt(pieces, resetAfterBytes);
      finish = "reset";
    }
  } else {
    ({ pieces, finish } = eventPieces(reply, fault));
    if (reply.kind === "json") headers["content-length"] = Buffer.byteLength(reply.body, "utf8");
  }
  const plan = { ...cutUnits(pieces, fault), finish };
  res.writeHead(reply.status, headers);
  hooks.onHead?.();
  res.flushHeaders();
  for (let i = 0; i < plan.units.length; i++) {
    if (i > 0 && plan.delayMs > 0) await sleep(plan.delayMs, res);
    if (res.destroyed) return done("client-closed");
    res.write(plan.units[i]);
  }
  if (plan.finish === "reset") {
    // Let the written bytes leave before the RST, so the cut lands where the fault says.
    await new Promise<void>((r) => res.socket?.write("", () => r()) ?? r());
    done("reset");
    resetSocket(res);
    return "reset";
  }
  done("complete");
  await new Promise<void>((r) => res.end(r));
  return "complete";
}

export function resetSocket(res: ServerResponse): void {
  const s = res.socket;
  if (!s) return;
  if (typeof s.resetAndDestroy === "function") s.resetAndDestroy();
  else s.destroy();
}

function cutAt(pieces: Buffer[], bytes: number): Buffer[] {
  const out: Buffer[] = [];
  let left = bytes;
  for (const p of pieces) {
    if (left <= 0) break;
    out.push(p.length <= left ? p : p.subarray(0, left));
    left -= p.length;
  }
  return out;
}

function sliceBySizes(all: Buffer, sizes: number[]): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  let i = 0;
  while (off < all.length) {
    const n = sizes[Math.min(i, sizes.length - 1)];
    out.push(all.subarray(off, off + n));
    off += n;
    i++;
  }
  return out;
}

function sleep(ms: number, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    res.once("close", done);
    function done() {
      clearTimeout(t);
      res.off("close", done);
      resolve();
    }
  });
}
