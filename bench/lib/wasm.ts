// Paths of the modules the bench, soak and fuzz runs load: the plugins as `make build` ships them
// (dist/), built when missing, and the bench's own pass-through module (build/), rebuilt when its
// source or the SDK changed.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ROOT, cachedBuild, runBuild } from "../../tests/lib/cached-build.ts";

export { ROOT };

export type PluginName = "ai-proxy" | "ai-statistics" | "ai-rate-limit";
export const PLUGINS: PluginName[] = ["ai-proxy", "ai-statistics", "ai-rate-limit"];

/** dist/<name>.wasm (Envoy build, what `make build` made; the make targets build first); built when missing. */
export function pluginWasm(name: PluginName): string {
  const out = join(ROOT, "dist", `${name}.wasm`);
  if (!existsSync(out)) {
    const r = runBuild([name, "--quiet"]);
    if (r.status !== 0) throw new Error(`building ${name} failed:\n${r.output}`);
  }
  return out;
}

/** build/bench-passthrough.wasm: the SDK's default contexts only (baseline B). */
export function passthroughWasm(): string {
  return cachedBuild({ entry: "bench/passthrough/index.ts", out: "build/bench-passthrough.wasm", sources: ["assembly", "bench/passthrough"] });
}
