// Configuration through the Node host: bad JSON and wrong types are rejected by on_configure with
// an error log naming the field, never by a trap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { configureOnly, sdkStack, GET } from "./host-helpers.ts";

test("a wrong type is rejected with the field named in the log", async () => {
  const { error, logs } = await configureOnly('{"tag":5}');
  assert.match(error, /proxy_on_configure returned false/);
  assert.ok(logs.includes("sdk-test: bad configuration: tag: expected string, got number"), JSON.stringify(logs));
});

test("malformed JSON is rejected, not trapped", async () => {
  const { error, logs } = await configureOnly('{"tag":"x",');
  assert.match(error, /proxy_on_configure returned false/);
  assert.doesNotMatch(error, /failed|trap|unreachable/i);
  assert.ok(logs.some((l) => l.startsWith("sdk-test: bad configuration: configuration: invalid JSON at offset")), JSON.stringify(logs));
});

test("a bad rule is rejected with its index", async () => {
  const { error, logs } = await configureOnly('{"tag":"g","_rules_":[{"_match_route_":["r"],"tag":[]}]}');
  assert.match(error, /proxy_on_configure returned false/);
  assert.ok(logs.includes("sdk-test: bad configuration: _rules_[0].tag: expected string, got array"), JSON.stringify(logs));
});

test("a missing required field is rejected", async () => {
  const { logs } = await configureOnly("{}");
  assert.ok(logs.includes("sdk-test: bad configuration: tag: required"), JSON.stringify(logs));
});

test("a valid configuration is accepted; an invalid global part next to rules only warns", async () => {
  assert.equal((await configureOnly('{"tag":"ok"}')).error, "");
  const { error, logs } = await configureOnly('{"tag":"g","cluster":7,"_rules_":[{"_match_route_":["r"],"tag":"t"}]}');
  assert.equal(error, "");
  assert.ok(logs.includes("sdk-test: global configuration ignored: cluster: expected string, got number"), JSON.stringify(logs));
  // no global config and no matching rule: the plugin sees none
  const stack = await sdkStack('{"_rules_":[{"_match_route_":["r"],"tag":"t"}]}');
  const s = stack.stream();
  s.sendRequestHeaders(GET, true);
  assert.equal(s.upstream!.header("x-sdk-tag"), "none");
  await stack.close();
});
