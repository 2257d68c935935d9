// Shared helpers for the runner tests: temp dirs, upstream servers, HTTP clients.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { HeaderList, UpstreamCallbacks, UpstreamFailure } from "../../host/contract.ts";

const made: string[] = [];
process.on("exit", () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A fresh directory, removed when the test process exits. */
export function tempDir(prefix = "runner-test-"): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

/** A directory holding dist/ai-*.wasm placeholders, so bootstrap file checks pass. */
export function dirWithWasm(names: string[]): string {
  const dir = tempDir();
  fs.mkdirSync(path.join(dir, "dist"));
  for (const n of names) fs.writeFileSync(path.join(dir, "dist", `${n}.wasm`), new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
  return dir;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

export interface TestServer {
  port: number;
  server: http.Server;
  connections: number;
  close(): Promise<void>;
}

export async function startServer(handler: http.RequestListener, host = "127.0.0.1"): Promise<TestServer> {
  const server = http.createServer(handler);
  const s: TestServer = {
    port: 0,
    server,
    connections: 0,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
  server.on("connection", () => s.connections++);
  await new Promise<void>((r) => server.listen(0, host, r));
  s.port = (server.address() as AddressInfo).port;
  return s;
}

/** Records what UpstreamCallbacks received; `done` settles on endStream or failure. */
export class Recorder implements UpstreamCallbacks {
  headers: HeaderList | null = null;
  chunks: Buffer[] = [];
  ends = 0;
  failure: { reason: UpstreamFailure; detail: string } | null = null;
  events: string[] = [];
  onChunk: (chunk: Buffer) => void = () => {};
  private settle!: () => void;
  readonly done = new Promise<void>((r) => (this.settle = r));

  onHeaders(headers: HeaderList, endStream: boolean): void {
    this.headers = headers;
    this.events.push(`headers end=${endStream}`);
    if (endStream) {
      this.ends++;
      this.settle();
    }
  }
  onData(chunk: Uint8Array, endStream: boolean): void {
    const b = Buffer.from(chunk);
    this.chunks.push(b);
    this.events.push(`data ${b.length} end=${endStream}`);
    this.onChunk(b);
    if (endStream) {
      this.ends++;
      this.settle();
    }
  }
  onTrailers(): void {
    this.events.push("trailers");
  }
  onFailure(reason: UpstreamFailure, detail: string): void {
    this.failure = { reason, detail };
    this.events.push(`failure ${reason}`);
    this.settle();
  }
  get body(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
  header(name: string): string | undefined {
    return this.headers?.find(([k]) => k === name)?.[1];
  }
}

export function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: http.IncomingHttpHeaders }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on("data", (c: Buffer) => parts.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8"), headers: res.headers }));
        res.on("error", reject);
      })
      .on("error", reject);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until `check` is true (polling), or fails after `ms`. */
export async function until(check: () => boolean, ms = 3000, what = "condition"): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}
