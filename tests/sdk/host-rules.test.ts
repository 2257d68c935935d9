// Per-route configuration (_rules_) selected per request through the Node host: by route name
// (xds.route_name), by domain, else the global config.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { RouteConfiguration } from "../../host/contract.ts";
import { sdkStack, GET } from "./host-helpers.ts";

const ROUTES: RouteConfiguration = {
  name: "local",
  virtualHosts: [{
    name: "all",
    domains: ["*"],
    routes: [
      { name: "chat", match: { prefix: "/chat" }, route: { cluster: "upstream" } },
      { name: "team-a-embed", match: { prefix: "/embed" }, route: { cluster: "upstream" } },
      { name: "", match: { prefix: "/unnamed" }, route: { cluster: "upstream" } },
      { name: "default", match: { prefix: "/" }, route: { cluster: "upstream" } },
    ],
  }],
};

const CONFIG = JSON.stringify({
  tag: "global",
  _rules_: [
    { _match_route_: ["chat"], tag: "chat-rule" },
    { _match_domain_: ["*.corp.test"], tag: "corp-rule" },
    { _match_route_prefix_: ["team-a-"], tag: "team-rule" },
  ],
});

async function tagFor(path: string, authority = "a.test"): Promise<{ tag: string; route: string }> {
  const stack = await sdkStack(CONFIG, { routes: ROUTES });
  const s = stack.stream();
  s.sendRequestHeaders({ ...GET, ":path": path, ":authority": authority }, true);
  const tag = s.upstream!.header("x-sdk-tag")!;
  s.respond(200);
  const route = s.response.header("x-sdk-route")!;
  await stack.close();
  return { tag, route };
}

test("the rule for the route name wins", async () => {
  assert.deepEqual(await tagFor("/chat/completions"), { tag: "chat-rule", route: "chat" });
});

test("route name beats a matching domain because it comes first", async () => {
  assert.deepEqual(await tagFor("/chat", "x.corp.test:8443"), { tag: "chat-rule", route: "chat" });
});

test("domain rules match :authority without its port", async () => {
  assert.deepEqual(await tagFor("/other", "x.corp.test:8443"), { tag: "corp-rule", route: "default" });
});

test("route-name prefix rules", async () => {
  assert.deepEqual(await tagFor("/embed"), { tag: "team-rule", route: "team-a-embed" });
});

test("no rule matches: the global config; an unnamed route has an empty name", async () => {
  assert.deepEqual(await tagFor("/other"), { tag: "global", route: "default" });
  assert.deepEqual(await tagFor("/unnamed"), { tag: "global", route: "" });
});

test("service rules match the route's cluster (xds.cluster_name)", async () => {
  const routes: RouteConfiguration = {
    name: "local",
    virtualHosts: [{ name: "all", domains: ["*"], routes: [
      { name: "to-auth", match: { prefix: "/auth" }, route: { cluster: "auth" } },
      { name: "default", match: { prefix: "/" }, route: { cluster: "upstream" } },
    ] }],
  };
  const config = JSON.stringify({ tag: "global", _rules_: [{ _match_service_: ["auth"], tag: "auth-rule" }] });
  const stack = await sdkStack(config, { routes });
  const a = stack.stream();
  a.sendRequestHeaders({ ...GET, ":path": "/auth/x" }, true);
  assert.equal(a.upstream!.cluster, "auth");
  assert.equal(a.upstream!.header("x-sdk-tag"), "auth-rule");
  const b = stack.stream();
  b.sendRequestHeaders({ ...GET, ":path": "/other" }, true);
  assert.equal(b.upstream!.header("x-sdk-tag"), "global");
  await stack.close();
});
