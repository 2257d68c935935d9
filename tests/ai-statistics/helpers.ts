// Shared set-up for the ai-statistics node tests: the plugin built once per source change
// (build/test-ai-statistics.wasm), a host test stack running it, and small request helpers.
import { createTestStack, type TestStack, type TestStream } from "../../host/testing.ts";
import { MetricKind } from "../../host/contract.ts";

import { ROOT, pluginBuild } from "../lib/cached-build.ts";

export { ROOT };

/** Path of the ai-statistics module, rebuilt when its sources, plugins/shared or the SDK changed. */
export const statsWasm = (): string => pluginBuild("ai-statistics");

/** A host stack (fake clock, recording upstream) running ai-statistics with `configuration`. */
export function statsStack(configuration = "{}"): Promise<TestStack> {
  return createTestStack({ filters: [{ wasm: statsWasm(), configuration, rootId: "ai-statistics", name: "ai-statistics" }] });
}

export const PREFIX = "route.default.upstream.upstream.model.";

/** The counter value, or 0 when never defined. */
export function counter(stack: TestStack, name: string): number {
  return Number(stack.stats.value(MetricKind.Counter, name) ?? 0n);
}

/** Values recorded in a histogram ([] when never defined). */
export function histogram(stack: TestStack, name: string): number[] {
  return (stack.histogram(name) ?? []).map(Number);
}

/** Every defined metric name containing `part`. */
export function namesWith(stack: TestStack, part: string): string[] {
  return stack.stats.names.filter((n) => n.includes(part));
}

/** Parses the ai_log filter state (Higress's escaped form by default). */
export function aiLog(s: TestStream, escaped = true, key = "ai_log"): Record<string, unknown> {
  const raw = s.filterState(key);
  if (raw === undefined) throw new Error(`no filter state wasm.${key}`);
  return JSON.parse(escaped ? JSON.parse(`"${raw}"`) : raw);
}

/** Splits `text` into UTF-8 chunks of `size` bytes (the last may be shorter). */
export function chunks(text: string, size: number): Uint8Array[] {
  const b = Buffer.from(text, "utf8");
  const out: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += size) out.push(b.subarray(i, i + size));
  return out;
}

export const POST_CHAT = { ":method": "POST", ":path": "/v1/chat/completions", ":authority": "gw.test", ":scheme": "http", "content-type": "application/json" };
