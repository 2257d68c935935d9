// Paths of the modules the bench, soak and fuzz runs load: the plugins as `make build` ships them
// (dist/), built when missing, and the bench's own pass-through module (build/), rebuilt when its
// source or the SDK changed.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");

export type PluginName = "ai-proxy" | "ai-statistics" | "ai-rate-limit";
export const PLUGINS: PluginName[] = ["ai-proxy", "ai-statistics", "ai-rate-limit"];

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== "__tests__") newest = Math.max(newest, newestMtime(p));
    } else if (e.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function build(args: string[], what: string): void {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`building ${what} failed:\n${r.stdout}${r.stderr}`);
}

/** dist/<name>.wasm (Envoy build, what `make build` made; the make targets build first); built when missing. */
export function pluginWasm(name: PluginName): string {
  const out = join(ROOT, "dist", `${name}.wasm`);
  if (!existsSync(out)) build([name, "--quiet"], name);
  return out;
}

/** build/bench-passthrough.wasm: the SDK's default contexts only (baseline B). */
export function passthroughWasm(): string {
  const out = join(ROOT, "build", "bench-passthrough.wasm");
  const src = Math.max(newestMtime(join(ROOT, "assembly")), newestMtime(join(ROOT, "bench", "passthrough")));
  if (!existsSync(out) || statSync(out).mtimeMs < src) build(["--entry", "bench/passthrough/index.ts", "--out", out, "--quiet"], "the pass-through module");
  return out;
}
