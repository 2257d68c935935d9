// Starts a throwaway redis-server for a test (no persistence) and talks RESP2 to it.
import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import fs from "node:fs";

export const REDIS_BIN = "/usr/bin/redis-server";

export function redisAvailable(): boolean {
  return fs.existsSync(REDIS_BIN);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

export class RedisServer {
  proc: ChildProcess | null = null;
  constructor(public port: number, public password = "") {}

  static async start(password = ""): Promise<RedisServer> {
    const port = await freePort();
    const srv = new RedisServer(port, password);
    await srv.spawn();
    return srv;
  }

  async spawn(): Promise<void> {
    const args = ["--port", String(this.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"];
    if (this.password) args.push("--requirepass", this.password);
    this.proc = spawn(REDIS_BIN, args, { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      try {
        const c = await RespClient.connect(this.port);
        c.close();
        return;
      } catch {
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error("redis-server did not start on port " + this.port);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once("exit", () => resolve());
      p.kill("SIGKILL");
    });
  }
}

export type Resp = string | number | null | Error | Resp[];

export function encodeCommand(args: (string | number)[]): Buffer {
  const parts: Buffer[] = [Buffer.from(`*${args.length}\r\n`)];
  for (const a of args) {
    const b = Buffer.from(String(a));
    parts.push(Buffer.from(`$${b.length}\r\n`), b, Buffer.from("\r\n"));
  }
  return Buffer.concat(parts);
}

/** Parses one reply at buf[pos]; returns [value, next] or null when incomplete. */
export function parseReply(buf: Buffer, pos = 0): [Resp, number] | null {
  const end = buf.indexOf("\r\n", pos);
  if (end < 0) return null;
  const t = String.fromCharCode(buf[pos]);
  const line = buf.toString("utf8", pos + 1, end);
  if (t === "+") return [line, end + 2];
  if (t === "-") return [new Error(line), end + 2];
  if (t === ":") return [Number(line), end + 2];
  if (t === "$") {
    const n = Number(line);
    if (n < 0) return [null, end + 2];
    if (buf.length < end + 2 + n + 2) return null;
    return [buf.toString("utf8", end + 2, end + 2 + n), end + 2 + n + 2];
  }
  if (t === "*") {
    const n = Number(line);
    if (n < 0) return [null, end + 2];
    const items: Resp[] = [];
    let p = end + 2;
    for (let i = 0; i < n; i++) {
      const r = parseReply(buf, p);
      if (!r) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  }
  throw new Error("bad RESP type " + t);
}

export class RespClient {
  private buf = Buffer.alloc(0);
  private waiting: ((v: Resp) => void)[] = [];
  constructor(private sock: net.Socket) {
    sock.on("data", (d) => {
      this.buf = Buffer.concat([this.buf, d]);
      for (;;) {
        const r = parseReply(this.buf);
        if (!r) break;
        this.buf = this.buf.subarray(r[1]);
        this.waiting.shift()?.(r[0]);
      }
    });
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, "127.0.0.1", () => resolve(new RespClient(s)));
      s.once("error", reject);
    });
  }

  call(...args: (string | number)[]): Promise<Resp> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.sock.write(encodeCommand(args));
    });
  }

  close(): void {
    this.sock.destroy();
  }
}
