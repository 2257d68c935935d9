// Benchmark entry (compiled by ../perf.test.ts): the local-mode decision of one request - rule
// selection, key building, and the CAS window update - against an in-module store with
// cpp-host's shared-data semantics (the host's get/set are a lock and a hash lookup in Envoy).
import { parseConfigText } from "../../../plugins/ai-rate-limit/config";
import { RateLimitConfig } from "../../../plugins/ai-rate-limit/config-types";
import { RequestView, Hit, selectLimits } from "../../../plugins/ai-rate-limit/select";
import { LocalWindows, ADMIT } from "../../../plugins/ai-rate-limit/local-store";
import { Ledger } from "../../../plugins/ai-rate-limit/ledger";
import { Rejection } from "../../../plugins/ai-rate-limit/reply";
import { KvStore, KvValue, RESULT_OK, RESULT_CAS_MISMATCH } from "../../../plugins/ai-rate-limit/counter";

class Entry {
  value: ArrayBuffer = new ArrayBuffer(0);
  cas: u32 = 0;
}

class MapStore extends KvStore {
  entries: Map<string, Entry> = new Map<string, Entry>();
  next: u32 = 1;
  get(key: string): KvValue | null {
    if (!this.entries.has(key)) return null;
    const e = this.entries.get(key);
    // the host copies the value into the module
    return new KvValue(e.value.slice(0), e.cas);
  }
  set(key: string, value: ArrayBuffer, cas: u32): i32 {
    let e: Entry;
    if (this.entries.has(key)) {
      e = this.entries.get(key);
      if (cas != 0 && cas != e.cas) return RESULT_CAS_MISMATCH;
    } else {
      e = new Entry();
      this.entries.set(key, e);
    }
    e.value = value.slice(0);
    e.cas = this.next++;
    return RESULT_OK;
  }
}

class Req extends RequestView {
  consumer: string = "";
  header(name: string): string | null {
    if (name == "x-mse-consumer") return this.consumer;
    if (name == "x-api-key") return "sk-team-" + this.consumer;
    return null;
  }
  path(): string {
    return "/v1/chat/completions";
  }
  method(): string {
    return "POST";
  }
  remoteAddress(): string {
    return "10.1.2.3:40000";
  }
  model(): string {
    return "";
  }
}

let cfg: RateLimitConfig | null = null;
const store = new MapStore();
const windows = new LocalWindows(store);
const hits = new Array<Hit>();
const ledger = new Ledger();
const rej = new Rejection();
const req = new Req();
const consumers = new Array<string>();

const CONFIGS: string[] = [
  // one per-consumer limit on a path (the common case)
  '{"rules":[{"name":"chat","match":{"path_prefix":"/v1/chat/","methods":["POST"]},"limit_by_per_consumer":"","query_per_minute":100000000}]}',
  // a realistic mix: a global limit, a per-path tier per consumer (two windows), a per-IP limit
  '{"rules":[{"name":"all","query_per_second":100000000},' +
    '{"name":"chat","match":{"path_prefix":"/v1/chat/","methods":["POST"]},"limit_by_per_consumer":"","query_per_minute":100000000,"query_per_day":100000000},' +
    '{"name":"ip","limit_by_per_ip":"from-remote-addr","limit_keys":[{"key":"10.0.0.0/8","query_per_minute":100000000}]}]}',
  // Higress rule_items, first match wins
  '{"rule_name":"r","rule_items":[{"limit_by_header":"x-api-key","limit_keys":[{"key":"k1","query_per_minute":10}]},' +
    '{"limit_by_per_header":"x-api-key","limit_keys":[{"key":"regexp:^sk-team-","query_per_minute":100000000}]}]}',
];

export function setup(which: i32): bool {
  const r = parseConfigText(CONFIGS[which]);
  if (r.config === null) return false;
  cfg = r.config;
  for (let i = 0; i < 100; i++) consumers.push("consumer-" + i.toString());
  return true;
}

/** n decisions; returns how many were admitted. */
export function run(n: i32, nowMs: i64): i32 {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    req.consumer = unchecked(consumers[i % 100]);
    selectLimits(cfg!, req, hits);
    ledger.clear();
    if (windows.admit(hits, 0, nowMs + <i64>(i >> 10), ledger, rej) == ADMIT) ok++;
  }
  return ok;
}

/** n rule selections alone (no store). */
export function runSelect(n: i32): i32 {
  let k = 0;
  for (let i = 0; i < n; i++) {
    req.consumer = unchecked(consumers[i % 100]);
    selectLimits(cfg!, req, hits);
    k += hits.length;
  }
  return k;
}
