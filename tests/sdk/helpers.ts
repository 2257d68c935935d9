// Builds the SDK test plugin (tests/sdk/plugin) with scripts/build.mjs, once per source change:
// node:test runs each test file in its own process, so the module is cached on disk in build/.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (entry.name.endsWith(".ts")) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** Runs scripts/build.mjs with `args`; returns exit status and output. */
export function runBuild(args: string[]): { status: number; output: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

/** Path of the test plugin built for `target`, rebuilt when assembly/ or the plugin changed. */
export function testPlugin(target: "envoy" | "higress" = "envoy"): string {
  const out = join(ROOT, "build", target === "envoy" ? "test-sdk.wasm" : "test-sdk-higress.wasm");
  const sources = Math.max(newestMtime(join(ROOT, "assembly")), newestMtime(join(ROOT, "tests", "sdk", "plugin")));
  if (existsSync(out) && statSync(out).mtimeMs > sources) return out;
  const entry = target === "envoy" ? "tests/sdk/plugin/index.ts" : "tests/sdk/plugin/higress.ts";
  const args = ["--entry", entry, "--out", out, "--quiet"];
  if (target === "higress") args.push("--higress");
  const r = runBuild(args);
  if (r.status !== 0) throw new Error(`building the SDK test plugin failed:\n${r.output}`);
  return out;
}
