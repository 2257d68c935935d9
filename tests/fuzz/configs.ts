// Invalid-configuration fuzzing: valid configurations of each plugin, mutated (wrong types, unknown
// fields, broken JSON text), loaded the way createTestStack loads them but keeping the logger, so a
// rejection can be checked for its message. Expected: the plugin loads, or on_configure returns
// false with a logged message; never a trap.
import { ConnectionManagerCore } from "../../host/http/connection-manager.ts";
import { loadCode } from "../../host/plugin.ts";
import { SharedState } from "../../host/shared-data.ts";
import { CollectingLogger, FakeClock, MemoryStats, RecordingClusters } from "../../host/testing.ts";
import { pluginWasm, type PluginName } from "../../bench/lib/wasm.ts";
import * as T from "../../bench/lib/traffic.ts";
import { corrupt, bytes, mutateType } from "./inputs.ts";
import type { Rng } from "./rng.ts";

export const VALID_CONFIGS: Record<PluginName, unknown[]> = {
  "ai-proxy": [
    T.PROXY_MIXED,
    T.PROXY_TO_CLAUDE,
    {
      providers: [
        { id: "oa", type: "openai", apiTokens: ["a", "b"], cluster: "openai", weight: 90, variant: "A", failover: { enabled: true, healthCheckModel: "gpt-4o-mini", failoverOnStatus: ["5.*"] }, retryOnFailure: { enabled: true, maxRetries: 2 } },
        { id: "az", type: "azure", azureServiceUrl: "https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=2024-02-01", apiTokens: ["k"], cluster: "openai", weight: 10 },
        { id: "q", type: "qwen", apiTokens: ["k"], modelMapping: { "~gpt-(\\d+)": "qwen-$1", "gpt-4*": "qwen-max", "*": "qwen-turbo" }, cluster: "openai" },
      ],
      routing: { sticky: { header: "x-mse-consumer" }, fallback: ["q", { provider: "az", model: "gpt-4o-mini" }], fallbackOnStatus: ["429", "5.*"] },
      cache: { enabled: true, ttl: 1000, maxEntries: 4, maxEntryBytes: 1024 },
    },
  ],
  "ai-statistics": [
    {},
    { attributes: [{ key: "question", apply_to_log: true }, { key: "x", value_source: "request_body", value: "messages.0.content", apply_to_log: true, rule: "first" }, { key: "a", value_source: "response_streaming_body", value: "choices.0.delta.content", rule: "append", apply_to_log: true }], slow_threshold_ms: 100, max_label_values: 10, estimate_usage: true },
  ],
  "ai-rate-limit": [
    T.RATE_LIMIT_SOAK,
    { rules: [{ name: "chat", match: { path_prefix: "/v1/chat/", methods: ["POST"], models: ["gpt-4o*", "regexp:^claude-"] }, limit_by_per_ip: "from-header-x-forwarded-for", limit_keys: [{ key: "10.0.0.0/8", query_per_second: 5 }], max_concurrency: 4, max_queue: 16 }], circuit_breaker: { window_ms: 10000, min_requests: 20, error_rate: 0.5 } },
    { rule_name: "default_rule", rule_items: [{ limit_by_param: "apikey", limit_keys: [{ key: "9a34", token_per_minute: 10 }] }], rejected_code: 429, rejected_msg: "Too many requests" },
  ],
};

/** A mutated configuration text and how it was made. */
export function configCase(r: Rng, plugin: PluginName): { kind: string; text: string } {
  const base = structuredClone(r.pick(VALID_CONFIGS[plugin]));
  switch (r.int(4)) {
    case 0: return { kind: "valid", text: JSON.stringify(base) };
    case 1:
    case 2: {
      let v: unknown = base;
      for (let i = r.range(1, 3); i > 0; i--) v = mutateType(r, v);
      return { kind: "wrong-type", text: JSON.stringify(v) ?? "null" };
    }
    default: return { kind: "malformed", text: Buffer.from(corrupt(r, bytes(JSON.stringify(base)))).toString("latin1") };
  }
}

export interface ConfigOutcome {
  loaded: boolean;
  error?: string;
  /** module log lines at warn or above (level >= 3) */
  messages: string[];
  traps: string[];
}

/** Loads one plugin with `configuration` like createTestStack does, keeping the log lines. */
export async function loadConfig(plugin: PluginName, configuration: string): Promise<ConfigOutcome> {
  const logger = new CollectingLogger(2);
  const code = await loadCode(pluginWasm(plugin), plugin);
  const services = { clusters: new RecordingClusters(T.CLUSTERS), stats: new MemoryStats(), logger, clock: new FakeClock(), accessLog: () => {} };
  const cfg = {
    statPrefix: "fuzz",
    routeConfig: T.ROUTES,
    filters: [{ name: plugin, rootId: plugin, vmId: "fuzz", configuration, vmConfiguration: "", failOpen: false, allowOnHeadersStopIteration: true, wasmPath: "" }],
    bufferLimitBytes: 1 << 20,
    concurrency: 1,
  };
  const out: ConfigOutcome = { loaded: false, messages: [], traps: [] };
  try {
    const core = ConnectionManagerCore.fromCode(cfg as never, services as never, new SharedState(), [code]);
    out.loaded = true;
    core.close();
  } catch (e) {
    out.error = (e as Error).message;
  }
  out.messages = logger.lines.filter((l) => l.source.startsWith("wasm log") && l.level >= 3).map((l) => l.message);
  out.traps = logger.lines.filter((l) => l.source === "wasm" && /wasm trap|host error during a call/.test(l.message)).map((l) => l.message);
  return out;
}

/** null when the outcome is acceptable. */
export function configProblem(o: ConfigOutcome): string | null {
  if (o.traps.length) return `trap while configuring: ${o.traps[0]}`;
  if (o.loaded) return null;
  if (!/proxy_on_configure returned false/.test(o.error ?? "")) return `load failed without a clean rejection: ${o.error}`;
  if (!o.messages.some((m) => m.trim().length > 0)) return `rejected without a message (error: ${o.error})`;
  return null;
}
