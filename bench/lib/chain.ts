// Test stacks for the bench, soak and fuzz runs (host/testing.ts, no sockets, fake clock): the
// plugins or the pass-through module in a filter chain, one request driven end to end, and the
// checks every run shares (traps, memory pages, shared data size).
import { createTestStack, type TestStack, type TestStream } from "../../host/testing.ts";
import type { RouteConfiguration } from "../../host/contract.ts";
import { passthroughWasm, pluginWasm, type PluginName } from "./wasm.ts";
import { CLUSTERS, ROUTES } from "./traffic.ts";

export type ModuleName = PluginName | "passthrough";

export interface FilterSpec {
  module: ModuleName;
  config?: unknown;
}

export const VM_ID = "ai-gateway";

export function wasmOf(m: ModuleName): string {
  return m === "passthrough" ? passthroughWasm() : pluginWasm(m);
}

/** A stack whose filters run in the given order; every filter shares vm_id "ai-gateway". */
export function makeStack(filters: FilterSpec[], opts: { concurrency?: number; logLevel?: number } = {}): Promise<TestStack> {
  return createTestStack({
    filters: filters.map((f, i) => ({
      wasm: wasmOf(f.module),
      name: f.module === "passthrough" ? `passthrough${i}` : f.module,
      rootId: f.module,
      vmId: VM_ID,
      configuration: f.config === undefined ? "" : typeof f.config === "string" ? f.config : JSON.stringify(f.config),
      allowOnHeadersStopIteration: true,
    })),
    routes: ROUTES as RouteConfiguration,
    clusters: CLUSTERS,
    concurrency: opts.concurrency ?? 1,
    logLevel: opts.logLevel ?? 3,
  });
}

export interface Exchange {
  path?: string;
  headers?: Record<string, string>;
  body: string | Uint8Array;
  /** request body split into these chunks (default: one) */
  requestChunks?: (string | Uint8Array)[];
  status?: number;
  responseHeaders?: Record<string, string>;
  /** a whole response body, or SSE pieces sent one respondBody each */
  response?: string | Uint8Array;
  events?: (string | Uint8Array)[];
}

/** One request through the stack; answers the upstream if the router opened one. */
export function exchange(st: TestStack, x: Exchange, worker = 0): TestStream {
  const s = st.stream(worker);
  s.sendRequestHeaders({ ":method": "POST", ":path": x.path ?? "/v1/chat/completions", ":authority": "gw", ":scheme": "http", "content-type": "application/json", ...x.headers });
  if (x.requestChunks) {
    x.requestChunks.forEach((c, i) => s.sendRequestBody(c, i === x.requestChunks!.length - 1));
  } else s.sendRequestBody(x.body, true);
  const up = s.upstream;
  if (!up || up.aborted || s.ended) return s;
  if (x.events) {
    s.respondHeaders({ ":status": String(x.status ?? 200), "content-type": "text/event-stream", ...x.responseHeaders });
    // (s.response concatenates every chunk so far: not read per event)
    for (const e of x.events) {
      if (up.aborted || s.ended) break;
      s.respondBody(e);
    }
    if (!up.aborted && !s.ended) s.respondBody("", true);
  } else {
    s.respond(x.status ?? 200, x.response ?? "", { "content-type": "application/json", ...x.responseHeaders });
  }
  return s;
}

/** Pages (64 KiB) of linear memory of filter `filter`'s VM on `worker`. */
export function pages(st: TestStack, filter: number, worker = 0): number {
  const mem = st.vm(worker, filter).instanceExports.memory as WebAssembly.Memory;
  return mem.buffer.byteLength / 65536;
}

/** Host log lines that report a trap (or a host error inside a call into a module). */
export function trapLines(st: TestStack): string[] {
  return st.logs.filter((l) => l.source === "wasm" && /wasm trap|host error during a call/.test(l.message)).map((l) => l.message);
}

/** Keys and value bytes in shared data of a vm_id. */
export function sharedDataSize(st: TestStack, vmId = VM_ID): { keys: number; bytes: number } {
  let bytes = 0;
  const keys = st.shared.data.keys(vmId);
  for (const k of keys) bytes += k.length + (st.shared.data.get(vmId, k)?.value.byteLength ?? 0);
  return { keys: keys.length, bytes };
}
