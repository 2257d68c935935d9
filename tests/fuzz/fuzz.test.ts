// Short seeded fuzz subset for `make test` (the full 100,000-case run is `make fuzz`): the oracles
// themselves, then 2,500 cases of seed 20251122 across the three plugins, the chain and invalid
// configurations: no trap, no hang, clear errors, byte identity where nothing converts.
// Known plugin bugs (tests/fuzz/known-failures.ts, each with its report) are listed, not failed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { fuzz } from "./run.ts";
import { errorJsonProblem, openaiStreamProblem, relayedStreamProblem, sseEvents } from "./checks.ts";
import { loadConfig, configProblem } from "./configs.ts";

const enc = new TextEncoder();

test("the oracles tell good output from bad", () => {
  assert.equal(errorJsonProblem('{"error":{"message":"bad","type":"x"}}', "openai"), null);
  assert.notEqual(errorJsonProblem('{"error":{"message":""}}', "openai"), null);
  assert.notEqual(errorJsonProblem("Bad Request", "openai"), null);
  assert.equal(errorJsonProblem('{"type":"error","error":{"type":"invalid_request_error","message":"m"}}', "anthropic"), null);
  assert.notEqual(errorJsonProblem('{"error":{"message":"m"}}', "anthropic"), null);
  assert.deepEqual(sseEvents("data: a\r\n\r\nevent: e\rdata: b\r\rdata: c\n"), [{ event: undefined, data: "a" }, { event: "e", data: "b" }, { event: undefined, data: "c" }]);
  assert.equal(openaiStreamProblem('data: {"object":"chat.completion.chunk","choices":[]}\n\ndata: [DONE]\n\n'), null);
  assert.notEqual(openaiStreamProblem("data: {oops\n\n"), null);
  const up = enc.encode("data: 1\n\ndata: 2");
  assert.equal(relayedStreamProblem(up, up, "openai"), null);
  assert.equal(relayedStreamProblem(up, enc.encode('data: 1\n\ndata: {"error":{"message":"stream ended early"}}\n\n'), "openai"), null);
  assert.notEqual(relayedStreamProblem(up, enc.encode("data: 1\n\ndata: 3"), "openai"), null);
});

test("an invalid configuration is rejected with a message, never a trap", async () => {
  const o = await loadConfig("ai-rate-limit", '{"rules":[{"name":"r","query_per_minute":"ten"}]}');
  assert.equal(o.loaded, false);
  assert.equal(configProblem(o), null, JSON.stringify(o));
  const ok = await loadConfig("ai-statistics", "{}");
  assert.equal(ok.loaded, true);
});

test("2,500 seeded fuzz cases: no trap, no hang, clear errors, identical bodies", { timeout: 120_000 }, async () => {
  const s = await fuzz(20251122, 2500);
  for (const k of s.known) console.log(`known plugin bug (reported): case ${k.index}: ${k.known!.split(":")[0]}`);
  const lines = s.failures.slice(0, 10).map((f) => `--seed ${f.seed} --case ${f.index}: ${f.what}\n    ${f.problem.slice(0, 400)}`);
  assert.equal(s.failures.length, 0, `${s.failures.length} fuzz failures (re-run one with npx tsx tests/fuzz/main.ts --seed N --case I):\n${lines.join("\n")}`);
  assert.ok(s.cases === 2500);
});
