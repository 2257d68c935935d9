// Builds the SDK test plugin (tests/sdk/plugin) with scripts/build.mjs, once per source change:
// node:test runs each test file in its own process, so the module is cached on disk in build/.

import { ROOT, cachedBuild, runBuild } from "../lib/cached-build.ts";

export { ROOT, runBuild };

/** Path of the test plugin built for `target`, rebuilt when assembly/ or the plugin changed. */
export function testPlugin(target: "envoy" | "higress" = "envoy"): string {
  const higress = target === "higress";
  return cachedBuild({
    entry: higress ? "tests/sdk/plugin/higress.ts" : "tests/sdk/plugin/index.ts",
    out: higress ? "build/test-sdk-higress.wasm" : "build/test-sdk.wasm",
    sources: ["assembly", "tests/sdk/plugin"],
    higress,
  });
}
