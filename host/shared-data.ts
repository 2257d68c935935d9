// Process-wide shared data and shared queues, scoped by vm_id and shared by every worker's VM and
// every plugin (cpp-host src/shared_data.cc, src/shared_queue.cc):
// - set with cas 0 writes unconditionally; a non-zero cas that differs from the stored one gives
//   CasMismatch; a missing key is created whatever cas is given; every write stores a new cas from
//   one global counter that starts at 1 and skips 0 when it wraps;
// - registering a queue name that exists reuses its token (the registering context becomes the
//   one notified); tokens come from a counter starting at 1; resolve of an unknown name -> 0;
// - enqueue notifies the registering root context with proxy_on_queue_ready, later, on its worker.

import { WasmResult } from "./enums.ts";

export interface SharedValue {
  value: Uint8Array;
  cas: number;
}

export class SharedData {
  private data = new Map<string, Map<string, SharedValue>>();
  private cas = 1;

  get(vmId: string, key: string): SharedValue | undefined {
    return this.data.get(vmId)?.get(key);
  }

  set(vmId: string, key: string, value: Uint8Array, cas: number): WasmResult {
    let map = this.data.get(vmId);
    if (!map) {
      map = new Map();
      this.data.set(vmId, map);
    }
    const old = map.get(key);
    if (old) {
      if (cas !== 0 && cas !== old.cas) return WasmResult.CasMismatch;
      old.value = value;
      old.cas = this.nextCas();
    } else {
      map.set(key, { value, cas: this.nextCas() });
    }
    return WasmResult.Ok;
  }

  keys(vmId: string): string[] {
    return [...(this.data.get(vmId)?.keys() ?? [])];
  }

  private nextCas(): number {
    const c = this.cas;
    this.cas = (this.cas + 1) >>> 0;
    if (this.cas === 0) this.cas = 1; // 0 is not a valid CAS value.
    return c;
  }
}

interface Queue {
  vmId: string;
  items: Uint8Array[];
  /** Notifies the registering root context (resolved at delivery time, on its worker). */
  notify: (token: number) => void;
}

export class SharedQueues {
  private tokens = new Map<string, number>();
  private queues = new Map<number, Queue>();
  private nextToken = 1;

  register(vmId: string, name: string, notify: (token: number) => void): number {
    const key = vmId + "\u0000" + name;
    let token = this.tokens.get(key);
    if (token === undefined) {
      token = this.nextToken++;
      if (this.nextToken > 0xffffffff) this.nextToken = 1;
      this.tokens.set(key, token);
      this.queues.set(token, { vmId, items: [], notify });
    } else {
      // Preserve any queued data; the latest registrant is the one notified.
      this.queues.get(token)!.notify = notify;
    }
    return token;
  }

  resolve(vmId: string, name: string): number {
    return this.tokens.get(vmId + "\u0000" + name) ?? 0;
  }

  enqueue(token: number, value: Uint8Array): WasmResult {
    const q = this.queues.get(token);
    if (!q) return WasmResult.NotFound;
    q.items.push(value);
    q.notify(token);
    return WasmResult.Ok;
  }

  dequeue(token: number): { result: WasmResult; value?: Uint8Array } {
    const q = this.queues.get(token);
    if (!q) return { result: WasmResult.NotFound };
    const value = q.items.shift();
    if (value === undefined) return { result: WasmResult.Empty };
    return { result: WasmResult.Ok, value };
  }
}

export class SharedState {
  readonly data = new SharedData();
  readonly queues = new SharedQueues();
}

/** The state every connection manager of this process shares (one Envoy process). */
export const processSharedState = new SharedState();
