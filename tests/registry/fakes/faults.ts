// Fault injection shared by the fake registries: the next `count` matching reads fail in one way.
import type * as http from "node:http";

export interface Fault {
  /** Answer with this status (Nacos: plain text body; Eureka: empty body). */
  status?: number;
  /** Wait before answering (a slow registry). */
  delayMs?: number;
  /** Never answer (a timeout for the client). */
  hang?: boolean;
  /** Answer an empty instance list (Nacos `hosts: []`, Eureka 404 / no instances). */
  empty?: boolean;
  /** Answer 200 with a body that is not the expected document. */
  badPayload?: string;
  /** Only for paths starting with this. */
  pathPrefix?: string;
  /** How many requests (default 1; Infinity allowed). */
  count?: number;
}

export class Faults {
  private list: Fault[] = [];
  private hung = new Set<http.ServerResponse>();
  add(f: Fault): void {
    this.list.push({ count: 1, ...f });
  }
  clear(): void {
    this.list = [];
    this.releaseHung();
  }
  /** Takes the first fault for this path, spending one of its count. */
  take(path: string): Fault | null {
    const i = this.list.findIndex((f) => !f.pathPrefix || path.startsWith(f.pathPrefix));
    if (i < 0) return null;
    const f = this.list[i];
    f.count = (f.count ?? 1) - 1;
    if (f.count <= 0) this.list.splice(i, 1);
    return f;
  }
  hold(res: http.ServerResponse): void {
    this.hung.add(res);
    res.on("close", () => this.hung.delete(res));
  }
  releaseHung(): void {
    for (const r of this.hung) r.destroy();
    this.hung.clear();
  }
}

export function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
