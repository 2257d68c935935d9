// deploy/higress/: every resource has the fields Higress's CRDs define (alibaba/higress
// api/extensions/v1alpha1/wasmplugin.proto, api/networking/v1/mcp_bridge.proto), with the right
// types and enum values; and every plugin configuration in them (defaultConfig, each matchRules
// config, and the `_rules_` JSON Higress's controller builds from both) is accepted by the real
// plugin's on_configure, in the Higress build the WasmPlugin ships.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { ROOT, PLUGINS, loadYamlDocs, builtModules, configureVerdict, higressPluginJson, knownClusterRedis, type PluginName } from "./helpers.ts";

const DIR = "deploy/higress";
const files = fs.readdirSync(path.join(ROOT, DIR)).filter((f) => f.endsWith(".yaml")).sort();
const docs = files.flatMap((f) => loadYamlDocs(`${DIR}/${f}`).map((d) => ({ file: f, doc: d })));
const byKind = (kind: string) => docs.filter((d) => d.doc.kind === kind);

// WasmPlugin spec fields (JSON names of the proto fields) and their types.
const WASM_SPEC_FIELDS: Record<string, (v: unknown) => boolean> = {
  url: isString,
  sha256: (v) => typeof v === "string" && /^[0-9a-f]{64}$/.test(v),
  imagePullPolicy: (v) => ["UNSPECIFIED_POLICY", "IfNotPresent", "Always"].includes(v as string),
  imagePullSecret: isString,
  verificationKey: isString,
  pluginConfig: isObject,
  pluginName: isString,
  phase: (v) => ["UNSPECIFIED_PHASE", "AUTHN", "AUTHZ", "STATS"].includes(v as string),
  priority: (v) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31,
  failStrategy: (v) => ["FAIL_CLOSE", "FAIL_OPEN"].includes(v as string),
  vmConfig: isObject,
  defaultConfig: isObject,
  matchRules: Array.isArray,
  defaultConfigDisable: (v) => typeof v === "boolean",
};
const MATCH_RULE_FIELDS: Record<string, (v: unknown) => boolean> = {
  ingress: isStringArray,
  domain: isStringArray,
  service: isStringArray,
  config: isObject,
  configDisable: (v) => typeof v === "boolean",
};
// McpBridge RegistryConfig fields used here (type, domain, port are REQUIRED in the proto).
const REGISTRY_FIELDS: Record<string, (v: unknown) => boolean> = {
  type: (v) => ["nacos", "nacos2", "nacos3", "zookeeper", "consul", "eureka", "static", "dns"].includes(v as string),
  name: isString,
  domain: isString,
  port: (v) => Number.isInteger(v) && (v as number) > 0 && (v as number) < 65536,
  nacosNamespaceId: isString,
  nacosNamespace: isString,
  nacosGroups: isStringArray,
  nacosRefreshInterval: Number.isInteger,
  nacosAddressServer: isString,
  nacosAccessKey: isString,
  nacosSecretKey: isString,
  nacosTimeout: Number.isInteger,
  authSecretName: isString,
  protocol: isString,
  sni: isString,
  consulNamespace: isString,
  consulDatacenter: isString,
  consulServiceTag: isString,
  consulRefreshInterval: Number.isInteger,
  zkServicesPath: isStringArray,
};

function isString(v: unknown): boolean {
  return typeof v === "string" && v.length > 0;
}
function isObject(v: unknown): boolean {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
function isStringArray(v: unknown): boolean {
  return Array.isArray(v) && v.length > 0 && v.every(isString);
}
function checkFields(where: string, obj: Record<string, unknown>, fields: Record<string, (v: unknown) => boolean>): void {
  for (const [k, v] of Object.entries(obj)) {
    assert.ok(k in fields, `${where}.${k}: not a field of the CRD`);
    assert.ok(fields[k](v), `${where}.${k}: bad value ${JSON.stringify(v)}`);
  }
}

function pluginOf(url: string): PluginName {
  const m = /^oci:\/\/[^/]+\/(?:[^/]+\/)*(ai-[a-z-]+):[\w.-]+$/.exec(url);
  assert.ok(m, `url ${url}: expected oci://<registry>/<path>/<plugin>:<tag>`);
  assert.ok((PLUGINS as readonly string[]).includes(m[1]), `url ${url}: not one of ${PLUGINS.join(", ")}`);
  return m[1] as PluginName;
}

describe("deploy/higress WasmPlugins", () => {
  const plugins = byKind("WasmPlugin");

  it("has one WasmPlugin per module, each with exactly the CRD's fields and values", () => {
    assert.deepEqual(plugins.map((p) => pluginOf((p.doc.spec as Record<string, string>).url)).sort(), [...PLUGINS].sort());
    for (const { file, doc } of plugins) {
      assert.equal(doc.apiVersion, "extensions.higress.io/v1alpha1", file);
      const meta = doc.metadata as Record<string, string>;
      assert.ok(meta.name && meta.namespace, `${file}: metadata.name and namespace`);
      const spec = doc.spec as Record<string, unknown>;
      checkFields(`${file} spec`, spec, WASM_SPEC_FIELDS);
      for (const k of ["url", "phase", "priority", "failStrategy", "defaultConfig"]) assert.ok(k in spec, `${file}: spec.${k} missing`);
      const rules = spec.matchRules as Record<string, unknown>[];
      assert.ok(rules.length > 0, `${file}: matchRules examples`);
      rules.forEach((r, i) => {
        checkFields(`${file} matchRules[${i}]`, r, MATCH_RULE_FIELDS);
        const selectors = ["ingress", "domain", "service"].filter((k) => k in r);
        assert.equal(selectors.length, 1, `${file} matchRules[${i}]: exactly one of ingress, domain, service`);
        assert.ok(isObject(r.config), `${file} matchRules[${i}].config`);
      });
    }
  });

  it("orders the plugins as the READMEs recommend: ai-statistics, then ai-rate-limit, then ai-proxy", () => {
    const prio = Object.fromEntries(plugins.map((p) => {
      const spec = p.doc.spec as Record<string, unknown>;
      return [pluginOf(spec.url as string), { phase: spec.phase, priority: spec.priority as number }];
    }));
    assert.equal(new Set(Object.values(prio).map((p) => p.phase)).size, 1, "same phase, so priority decides");
    assert.ok(prio["ai-statistics"].priority > prio["ai-rate-limit"].priority);
    assert.ok(prio["ai-rate-limit"].priority > prio["ai-proxy"].priority);
  });

  it("matchRules name Ingresses defined in deploy/higress (namespace/name)", () => {
    const ingresses = new Set(byKind("Ingress").map((i) => {
      const m = i.doc.metadata as Record<string, string>;
      return `${m.namespace}/${m.name}`;
    }));
    for (const { file, doc } of plugins) {
      for (const r of (doc.spec as Record<string, unknown>).matchRules as Record<string, unknown>[]) {
        for (const ing of (r.ingress as string[] | undefined) ?? []) assert.ok(ingresses.has(ing), `${file}: matchRules ingress ${ing} is not defined`);
      }
    }
  });

  describe("configurations load into the real plugins (Higress build)", () => {
    it("has the built modules (make build)", () => assert.ok(builtModules, "dist/*.wasm and dist/higress/*.wasm missing: run make build"));
    for (const name of PLUGINS) {
      it(`${name}: defaultConfig, each matchRules config, and the folded _rules_ JSON`, async () => {
        const spec = plugins.find((p) => pluginOf((p.doc.spec as Record<string, string>).url) === name)!.doc.spec as Record<string, unknown>;
        const closed = await closedPort();
        const configs: [string, unknown][] = [
          ["defaultConfig", spec.defaultConfig],
          ...(spec.matchRules as Record<string, unknown>[]).map((r, i): [string, unknown] => [`matchRules[${i}].config`, r.config]),
          ["defaultConfig + _rules_", higressPluginJson(spec)],
        ];
        for (const [what, cfg] of configs) {
          const { redis, asked } = knownClusterRedis(closed);
          const verdict = await configureVerdict(name, "higress", JSON.stringify(cfg), redis);
          assert.equal(verdict, null, `${name} ${what}: ${verdict}`);
          // ai-rate-limit's cluster mode must address the Redis service of redis.yaml.
          for (const c of asked) assert.equal(c, "outbound|6379||redis.higress-system.svc.cluster.local", `${name} ${what}`);
          if (name === "ai-rate-limit") assert.ok(asked.size > 0 || !JSON.stringify(cfg).includes('"redis"'), `${what}: redis configured but never initialised`);
        }
      });
    }

    it("the checks can fail: a wrong type in a defaultConfig is refused by the plugin", async () => {
      const verdict = await configureVerdict("ai-proxy", "higress", JSON.stringify({ providers: [{ id: "x", type: "openai", apiTokens: "sk-not-a-list" }] }));
      assert.match(verdict ?? "", /proxy_on_configure returned false/);
    });
  });
});

describe("deploy/higress McpBridge", () => {
  const bridges = byKind("McpBridge");

  it("is the one `default` McpBridge Higress watches, with Nacos and Eureka registries", () => {
    assert.equal(bridges.length, 1);
    const { doc } = bridges[0];
    assert.equal(doc.apiVersion, "networking.higress.io/v1");
    assert.equal((doc.metadata as Record<string, string>).name, "default");
    const regs = (doc.spec as Record<string, unknown>).registries as Record<string, unknown>[];
    regs.forEach((r, i) => {
      checkFields(`registries[${i}]`, r, REGISTRY_FIELDS);
      for (const k of ["type", "domain", "port", "name"]) assert.ok(k in r, `registries[${i}].${k} required`);
      if (String(r.type).startsWith("nacos")) assert.ok(isStringArray(r.nacosGroups) && isString(r.nacosNamespaceId), `registries[${i}]: Nacos namespace and groups`);
    });
    assert.ok(regs.some((r) => String(r.type).startsWith("nacos")));
    assert.ok(regs.some((r) => r.type === "eureka"));
  });

  it("routes reach registry services by their Higress host names through the McpBridge backend", () => {
    const dest = (name: string) => {
      const ing = byKind("Ingress").find((i) => (i.doc.metadata as Record<string, string>).name === name)!.doc;
      const backend = (((ing.spec as any).rules[0].http.paths[0].backend) ?? {}) as Record<string, any>;
      assert.deepEqual(backend.resource, { apiGroup: "networking.higress.io", kind: "McpBridge", name: "default" }, name);
      return (ing.metadata as any).annotations["higress.io/destination"] as string;
    };
    // Nacos: <service>.<group with - for _>.<namespaceId>.nacos; Eureka: <app>.eureka
    assert.equal(dest("ai-qwen-nacos"), "qwen-local.DEFAULT-GROUP.public.nacos");
    assert.equal(dest("ai-llama-eureka"), "LLAMA-LOCAL.eureka");
    // the #1869 workaround: ai-proxy is attached to the Eureka route by matchRules
    const proxy = byKind("WasmPlugin").find((p) => pluginOf((p.doc.spec as any).url) === "ai-proxy")!.doc.spec as any;
    const rule = proxy.matchRules.find((r: any) => r.ingress?.includes("default/ai-llama-eureka"));
    assert.ok(rule, "ai-proxy matchRule for default/ai-llama-eureka");
    assert.match(rule.config.provider.cluster, /\|\|LLAMA-LOCAL\.eureka$/);
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}
