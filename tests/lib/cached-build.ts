// One module built by scripts/build.mjs and kept in build/ until a source changes. node:test runs
// each test file in its own process, so the cache lives on disk; a rebuild happens when any .ts
// under the given source folders (specs in __tests__ excluded) is newer than the output.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..", "..");

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

/** Runs scripts/build.mjs with `args`; returns exit status and output. */
export function runBuild(args: string[]): { status: number; output: string } {
  const r = spawnSync(process.execPath, [join(ROOT, "scripts", "build.mjs"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { status: r.status ?? -1, output: `${r.stdout}${r.stderr}` };
}

export interface CachedBuild {
  entry: string; // repository-relative entry file
  out: string; // repository-relative output, e.g. build/test-ai-proxy.wasm
  sources: string[]; // repository-relative folders whose change triggers a rebuild
  higress?: boolean;
}

/** Absolute path of the built module, rebuilt first when a source is newer. Throws with asc's output on failure. */
export function cachedBuild(b: CachedBuild): string {
  const out = join(ROOT, b.out);
  const newest = Math.max(...b.sources.map((d) => newestMtime(join(ROOT, d))));
  if (existsSync(out) && statSync(out).mtimeMs > newest) return out;
  const args = ["--entry", b.entry, "--out", out, "--quiet"];
  if (b.higress) args.push("--higress");
  const r = runBuild(args);
  if (r.status !== 0) throw new Error(`building ${b.entry} failed:\n${r.output}`);
  return out;
}

/** A plugin under plugins/<name>/ (with the SDK and plugins/shared as sources). */
export function pluginBuild(name: string, target: "envoy" | "higress" = "envoy"): string {
  const higress = target === "higress";
  return cachedBuild({
    entry: `plugins/${name}/${higress && existsSync(join(ROOT, "plugins", name, "higress.ts")) ? "higress" : "index"}.ts`,
    out: `build/test-${name}${higress ? "-higress" : ""}.wasm`,
    sources: ["assembly", "plugins/shared", `plugins/${name}`],
    higress,
  });
}
