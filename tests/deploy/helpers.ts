// Shared by the deploy tests: repository paths, YAML loading (multi-document), and loading a
// plugin configuration into the real built module (host/testing.ts) to see on_configure's verdict.
import fs from "node:fs";
import path from "node:path";
import { parseAllDocuments } from "yaml";
import { createTestStack } from "../../host/testing.ts";
import type { RedisConnector } from "../../host/contract.ts";
import { RunnerRedisConnector } from "../../host/runner/redis/redis-connector.ts";
import { RunnerLogger } from "../../host/runner/logger.ts";

export const ROOT = path.resolve(import.meta.dirname, "..", "..");
export const PLUGINS = ["ai-statistics", "ai-rate-limit", "ai-proxy"] as const;
export type PluginName = (typeof PLUGINS)[number];

/** Every document of a YAML file (comments and `---` separators allowed); throws on a YAML error. */
export function loadYamlDocs(rel: string): Record<string, unknown>[] {
  const text = fs.readFileSync(path.join(ROOT, rel), "utf8");
  const docs = parseAllDocuments(text);
  const out: Record<string, unknown>[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${rel}: ${d.errors.map((e) => e.message).join("; ")}`);
    const v = d.toJS();
    if (v !== null && v !== undefined) out.push(v as Record<string, unknown>);
  }
  return out;
}

export function wasmPath(name: PluginName, target: "envoy" | "higress"): string {
  return path.join(ROOT, "dist", ...(target === "higress" ? ["higress"] : []), `${name}.wasm`);
}

export const builtModules = PLUGINS.every((p) => fs.existsSync(wasmPath(p, "envoy")) && fs.existsSync(wasmPath(p, "higress")));

/**
 * Loads `configuration` into the real module (one worker, configuration canary included) and
 * resolves with null when on_configure accepted it, else with the reason and the module's logs.
 */
export async function configureVerdict(name: PluginName, target: "envoy" | "higress", configuration: string, redis?: RedisConnector): Promise<string | null> {
  let stack;
  try {
    stack = await createTestStack({
      filters: [{ wasm: wasmPath(name, target), name, rootId: name, vmId: "deploy-test", configuration, allowOnHeadersStopIteration: true }],
      redis,
    });
  } catch (e) {
    return (e as Error).message;
  }
  await new Promise((r) => setTimeout(r, 20)); // Redis init results arrive after a turn
  const errors = stack.logs.filter((l) => l.level >= 4).map((l) => l.message);
  await stack.close();
  return errors.length > 0 ? `accepted, but logged errors: ${errors.join(" | ")}` : null;
}

/** Higress's controller folds matchRules into the plugin JSON as `_rules_` next to defaultConfig. */
export function higressPluginJson(spec: Record<string, unknown>): Record<string, unknown> {
  const base = { ...((spec.defaultConfig as Record<string, unknown> | undefined) ?? {}) };
  const rules = (spec.matchRules as Record<string, unknown>[] | undefined) ?? [];
  if (rules.length === 0) return base;
  base._rules_ = rules.map((r) => {
    const entry: Record<string, unknown> = { ...((r.config as Record<string, unknown> | undefined) ?? {}) };
    if (Array.isArray(r.ingress)) entry._match_route_ = r.ingress;
    if (Array.isArray(r.domain)) entry._match_domain_ = r.domain;
    if (Array.isArray(r.service)) entry._match_service_ = r.service;
    return entry;
  });
  return base;
}

/**
 * The runner's real Redis connector, as Higress's host would be: every cluster name exists (the
 * gateway knows the Kubernetes service), pointing at a closed port. An unreachable Redis does not
 * fail init (calls fail later), so init succeeds; `asked` records the cluster names the plugin used.
 */
export function knownClusterRedis(closedPort: number): { redis: RedisConnector; asked: Set<string> } {
  const asked = new Set<string>();
  const picker = {
    has: (c: string) => (asked.add(c), true),
    pickHost: () => ({ address: "127.0.0.1", port: closedPort }),
  };
  return { redis: new RunnerRedisConnector(picker, new RunnerLogger(5)), asked };
}
