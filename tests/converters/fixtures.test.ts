// The converter fixtures (plugins/ai-proxy/converters/fixtures) are bundled into an as-pect spec
// because as-pect cannot read files; these checks keep the bundle fresh and prove the official
// SDKs accept every client-side output the fixtures expect.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";

const dir = "plugins/ai-proxy/__tests__/converters";

test("fixtures.gen.ts matches the fixture files", () => {
  const r = spawnSync(process.execPath, [`${dir}/gen-fixtures.mjs`, "--check"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});

test("official openai and @anthropic-ai/sdk clients parse every converted client output", () => {
  const r = spawnSync(process.execPath, [`${dir}/sdk-parse-check.mjs`], { encoding: "utf8", timeout: 120_000 });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
