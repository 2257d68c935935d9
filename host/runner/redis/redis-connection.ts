// One TCP connection to Redis. Commands are pipelined: replies come back in order, so each reply
// (one RESP value, found with replyEnd) resolves the oldest waiting call. A call that times out
// closes the connection, because a late reply would otherwise be handed to the next caller.
import * as net from "node:net";
import { encodeCommand, INCOMPLETE, PROTOCOL_ERROR, replyEnd } from "./resp-frame.ts";

export type Reply = { ok: true; bytes: Uint8Array } | { ok: false; reason: string };

interface Waiting {
  done: (r: Reply) => void;
  timer: NodeJS.Timeout;
}

export interface ConnectOptions {
  host: string;
  port: number;
  username: string;
  password: string;
  db: number;
  timeoutMs: number;
}

export type ConnectResult =
  | { ok: true; conn: RedisConnection }
  | { ok: false; kind: "unreachable" | "rejected"; reason: string };

export class RedisConnection {
  private buf: Buffer = Buffer.alloc(0);
  private readonly waiting: Waiting[] = [];
  private closedReason: string | null = null;
  onClose: () => void = () => {};

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on("data", (d: Buffer) => this.onData(d));
    socket.on("error", (e: NodeJS.ErrnoException) => this.close(`connection error: ${e.code ?? e.message}`));
    socket.on("close", () => this.close("connection closed by Redis"));
  }

  /** Connects, then AUTH and SELECT as configured; all within timeoutMs. */
  static connect(o: ConnectOptions): Promise<ConnectResult> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: o.host, port: o.port });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve({ ok: false, kind: "unreachable", reason: `connect timeout after ${o.timeoutMs}ms` });
      }, o.timeoutMs);
      socket.once("error", (e: NodeJS.ErrnoException) => {
        clearTimeout(timer);
        resolve({ ok: false, kind: "unreachable", reason: e.code ?? e.message });
      });
      socket.once("connect", async () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        const conn = new RedisConnection(socket);
        const steps: string[][] = [];
        if (o.password !== "") steps.push(o.username !== "" ? ["AUTH", o.username, o.password] : ["AUTH", o.password]);
        if (o.db !== 0) steps.push(["SELECT", String(o.db)]);
        for (const step of steps) {
          const r = await conn.send(encodeCommand(step), o.timeoutMs);
          if (!r.ok) {
            conn.close(r.reason);
            resolve({ ok: false, kind: "unreachable", reason: `${step[0]}: ${r.reason}` });
            return;
          }
          if (r.bytes[0] === 0x2d /* "-" */) {
            const msg = Buffer.from(r.bytes).toString("utf8").trim();
            conn.close(`${step[0]} rejected`);
            resolve({ ok: false, kind: "rejected", reason: `${step[0]} rejected: ${msg}` });
            return;
          }
        }
        resolve({ ok: true, conn });
      });
    });
  }

  get open(): boolean {
    return this.closedReason === null;
  }

  /** Sends query bytes as given and resolves with exactly one RESP reply. */
  send(query: Uint8Array, timeoutMs: number): Promise<Reply> {
    if (this.closedReason !== null) return Promise.resolve({ ok: false, reason: this.closedReason });
    return new Promise((resolve) => {
      const w: Waiting = {
        done: resolve,
        timer: setTimeout(() => this.close(`no reply within ${timeoutMs}ms`), timeoutMs),
      };
      this.waiting.push(w);
      this.socket.write(query);
    });
  }

  close(reason: string): void {
    if (this.closedReason !== null) return;
    this.closedReason = reason;
    this.socket.destroy();
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.done({ ok: false, reason });
    }
    this.onClose();
  }

  private onData(d: Buffer): void {
    this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
    while (this.buf.length > 0) {
      const end = replyEnd(this.buf, 0);
      if (end === INCOMPLETE) return;
      const w = this.waiting.shift();
      if (end === PROTOCOL_ERROR || !w) {
        if (w) this.waiting.unshift(w);
        this.close(end === PROTOCOL_ERROR ? "protocol error in Redis reply" : "reply with no command waiting");
        return;
      }
      clearTimeout(w.timer);
      // Copy: the module keeps the bytes after the socket buffer moves on.
      w.done({ ok: true, bytes: Uint8Array.prototype.slice.call(this.buf, 0, end) });
      this.buf = this.buf.subarray(end);
    }
  }
}
