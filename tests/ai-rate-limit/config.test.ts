// Configuration through the host: errors refuse the config and name the field; Higress shapes
// work unchanged; `_rules_` gives routes their own limits.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, hit, admitted } from "./helpers.ts";

import { CollectingLogger } from "../../host/testing.ts";

// Loading fails before a stack exists, so plugin logs are captured from every CollectingLogger.
const captured: string[] = [];
const origLog = CollectingLogger.prototype.log;
CollectingLogger.prototype.log = function (level: number, source: string, message: string) {
  captured.push(message);
  return origLog.call(this, level, source, message);
};

/** Loads the config; returns the plugin's error log line (or "" when it loaded). */
async function configError(config: unknown, target: "envoy" | "higress" = "envoy"): Promise<string> {
  captured.length = 0;
  try {
    const s = await rateLimitStack({ config, target });
    await s.close();
    return "";
  } catch (e) {
    assert.match((e as Error).message, /proxy_on_configure returned false/);
  }
  return captured.find((m) => m.startsWith("ai-rate-limit: ")) ?? "(no plugin log)";
}

test("a bad config is refused and the logged error names the field", async () => {
  assert.equal(await configError({ rules: [{ query_per_minut: 5 }] }), "ai-rate-limit: rules[0].query_per_minut: unknown field");
  assert.equal(
    await configError({ rule_name: "r", rule_items: [{ limit_by_per_header: "x", limit_keys: [{ key: "abc", query_per_minute: 1 }] }] }),
    'ai-rate-limit: rule_items[0].limit_keys[0].key: limit_by_per_* keys must be "*" or start with "regexp:" (got "abc")',
  );
  assert.equal(
    await configError({ _rules_: [{ _match_route_: ["chat"], rules: [{ token_per_minute: -1 }] }] }),
    "ai-rate-limit: _rules_[0].rules[0].token_per_minute: expected an integer from 1 to 1000000000000000",
  );
  assert.match(await configError("{not json"), /^ai-rate-limit: .*(JSON|offset|position)/i);
  assert.equal(await configError({ rules: [{ query_per_minute: 1 }] }), "");
});

test("cluster mode in the Envoy build is refused with a pointer to the Higress build", async () => {
  const cfg = { rule_name: "r", global_threshold: { query_per_minute: 5 }, redis: { service_name: "redis.static" } };
  assert.equal(
    await configError(cfg),
    "ai-rate-limit: redis: cluster mode needs the Higress build (dist/higress/ai-rate-limit.wasm); remove `redis` for local mode",
  );
});

test("Higress cluster-key-rate-limit config: rejected_code, rejected_msg, quota headers", async () => {
  const stack = await rateLimitStack({
    config: {
      rule_name: "routeA-cookie-limit-rule",
      rule_items: [{ limit_by_per_cookie: "key1", limit_keys: [{ key: "*", query_per_hour: 2 }] }],
      rejected_code: 200,
      rejected_msg: '{"code":-1,"msg":"Too many requests"}',
      show_limit_quota_header: true,
    },
  });
  const a = hit(stack, 0, { cookie: "key1=v1" });
  a.respond(200, "ok");
  assert.equal(a.response.header("x-ratelimit-limit"), "2");
  assert.equal(a.response.header("x-ratelimit-remaining"), "1");
  hit(stack, 0, { cookie: "key1=v1" }).respond(200, "ok");
  const c = hit(stack, 0, { cookie: "key1=v1" });
  assert.equal(c.response.status, 200);
  assert.equal(c.response.bodyText, '{"code":-1,"msg":"Too many requests"}');
  assert.equal(c.response.header("x-ratelimit-remaining"), "0");
  assert.equal(admitted(hit(stack, 0, { cookie: "key1=v2" })), true, "another cookie value has its own count");
  assert.equal(admitted(hit(stack, 0)), true, "no cookie: the rule does not apply");
  await stack.close();
});

test("_rules_ give routes their own limits; other routes use the global config", async () => {
  const routes = {
    name: "r",
    virtualHosts: [{
      name: "all", domains: ["*"],
      routes: [
        { name: "chat", match: { prefix: "/v1/chat" }, route: { cluster: "upstream" } },
        { name: "default", match: { prefix: "/" }, route: { cluster: "upstream" } },
      ],
    }],
  };
  const stack = await rateLimitStack({
    routes,
    config: {
      rules: [{ query_per_minute: 3 }],
      _rules_: [{ _match_route_: ["chat"], rules: [{ name: "chat", query_per_minute: 1 }] }],
    },
  });
  assert.equal(admitted(hit(stack, 0, { ":path": "/v1/chat/completions" })), true);
  assert.equal(admitted(hit(stack, 0, { ":path": "/v1/chat/completions" })), false);
  const others = [0, 1, 2, 3].map(() => admitted(hit(stack, 0, { ":path": "/v1/models" })));
  assert.deepEqual(others, [true, true, true, false]);
  // back on the chat route (the plugin remembers the last route's config): its own limit again
  assert.equal(admitted(hit(stack, 0, { ":path": "/v1/chat/completions" })), false);
  assert.equal(stack.counter("ai_rate_limit.rule.chat.limited"), 2n);
  await stack.close();
});

test("API paths get their own tiers with native match rules", async () => {
  const stack = await rateLimitStack({
    config: {
      rules: [
        { name: "embeddings", match: { path_prefix: "/v1/embeddings" }, limit_by_per_header: "x-api-key", query_per_minute: 3 },
        { name: "chat", match: { path_prefix: "/v1/chat/" }, limit_by_per_header: "x-api-key", query_per_minute: 1 },
      ],
    },
  });
  const k = { "x-api-key": "team-a" };
  assert.equal(admitted(hit(stack, 0, { ...k, ":path": "/v1/chat/completions" })), true);
  assert.equal(admitted(hit(stack, 0, { ...k, ":path": "/v1/chat/completions" })), false);
  assert.equal(admitted(hit(stack, 0, { ...k, ":path": "/v1/embeddings" })), true);
  assert.equal(admitted(hit(stack, 0, { "x-api-key": "team-b", ":path": "/v1/chat/completions" })), true);
  await stack.close();
});
