// Pure parsers and names: Nacos 1.x/2.x/3.x and v2/v3 envelopes, Eureka legacy forms, Higress names.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { parseEurekaAppBody } from "../../registry/eureka-parse.ts";
import { eurekaClusterName, nacosClusterName } from "../../registry/names.ts";
import { parseNacosInstances, parseServiceList } from "../../registry/nacos-parse.ts";
import { clusterLoadAssignment, resolveInstances } from "../../registry/eds-writer.ts";

const host = (o: object) => ({ ip: "10.0.0.5", port: 8080, weight: 1.0, healthy: true, enabled: true, metadata: {}, ...o });

describe("nacos parsing", () => {
  it("keeps healthy && enabled && weight > 0, rounds weights to >= 1, keeps metadata as strings", () => {
    const body = JSON.stringify({
      name: "DEFAULT_GROUP@@m", cacheMillis: 10000, allIps: false, reachProtectionThreshold: false, unknownNewField: 1,
      hosts: [
        host({ ip: "10.0.0.1", weight: 2.6, metadata: { gpu: "a100", version: "v2" }, instanceId: "i1", clusterName: "DEFAULT" }),
        host({ ip: "10.0.0.2", healthy: false }),
        host({ ip: "10.0.0.3", enabled: false }),
        host({ ip: "10.0.0.4", weight: 0 }),
        host({ ip: "10.0.0.6", weight: 0.2 }),
        host({ ip: "fd00::1" }),
      ],
    });
    const r = parseNacosInstances("v1", body, { registry: "nacos" });
    assert.equal(r.kind, "ok");
    if (r.kind !== "ok") return;
    assert.deepEqual(r.instances.map((i) => [i.address, i.weight]), [["10.0.0.1", 3], ["10.0.0.6", 1], ["fd00::1", 1]]);
    assert.deepEqual(r.instances[0].metadata, { gpu: "a100", version: "v2" });
    assert.equal(r.instances[0].origin.instance_id, "i1");
    assert.equal(r.instances[0].origin.registry_weight, "2.6");
    assert.equal(r.cacheMillis, 10000);
    assert.equal(r.dropped, 3);
  });

  it("reads the 1.x shape (valid instead of healthy-only), the v2 envelope and the v3 array", () => {
    const v1x = parseNacosInstances("v1", JSON.stringify({ dom: "m", cacheMillis: 3000, checksum: "x", useSpecifiedURL: false, hosts: [{ ip: "10.0.0.1", port: 1, valid: false, marked: false, enabled: true, weight: 1 }] }), {});
    assert.ok(v1x.kind === "ok" && v1x.instances.length === 0 && v1x.cacheMillis === 3000);
    const v2 = parseNacosInstances("v2", JSON.stringify({ code: 0, message: "success", data: { hosts: [host({})], reachProtectionThreshold: true } }), {});
    assert.ok(v2.kind === "ok" && v2.instances.length === 1 && v2.protectThreshold);
    const v3 = parseNacosInstances("v3", JSON.stringify({ code: 0, message: "success", data: [host({}), host({ port: 9 })] }), {});
    assert.ok(v3.kind === "ok" && v3.instances.length === 2);
    const err = parseNacosInstances("v2", JSON.stringify({ code: 20004, message: "service not found", data: null }), {});
    assert.deepEqual(err, { kind: "error", error: "code 20004: service not found" });
  });

  it("rejects bad payloads with the field named", () => {
    assert.equal(parseNacosInstances("v1", "<html>", {}).kind, "error");
    assert.deepEqual(parseNacosInstances("v1", '{"hosts":{}}', {}), { kind: "error", error: "hosts: expected an array" });
    assert.deepEqual(parseNacosInstances("v1", '{"hosts":[{"ip":"1.2.3.4","port":"x"}]}', {}), { kind: "error", error: "hosts[0].port: expected 1-65535" });
    assert.deepEqual(parseNacosInstances("v2", '{"code":0,"data":{"hosts":[{"port":1}]}}', {}), { kind: "error", error: "data.hosts[0].ip: expected a non-empty string" });
    assert.deepEqual(parseServiceList('{"count":1,"doms":[1]}'), { kind: "error", error: "service list: doms[0]: expected a string" });
  });
});

describe("eureka parsing", () => {
  const inst = (o: object) => ({ instanceId: "a", app: "LLAMA", ipAddr: "10.0.0.5", hostName: "h", status: "UP", port: { $: 8080, "@enabled": "true" }, metadata: { "@class": "java.util.Collections$EmptyMap" }, ...o });
  it("keeps status UP with an enabled port, drops @class, reads weight metadata", () => {
    const body = JSON.stringify({ application: { name: "LLAMA", instance: [
      inst({}),
      inst({ ipAddr: "10.0.0.6", status: "DOWN" }),
      inst({ ipAddr: "10.0.0.7", status: "OUT_OF_SERVICE" }),
      inst({ ipAddr: "10.0.0.8", port: { $: 8080, "@enabled": "false" } }),
      inst({ ipAddr: "10.0.0.9", metadata: { gpu: "h100", weight: "3" } }),
      inst({ ipAddr: "10.0.0.10", metadata: { weight: "0" } }),
    ] } });
    const r = parseEurekaAppBody(body, "weight");
    assert.ok(r.kind === "ok");
    if (r.kind !== "ok") return;
    assert.deepEqual(r.instances.map((i) => [i.address, i.weight, i.metadata]), [["10.0.0.5", 1, {}], ["10.0.0.9", 3, { gpu: "h100", weight: "3" }]]);
    assert.equal(r.dropped, 4);
  });
  it("accepts the legacy single-object instance and string ports", () => {
    const r = parseEurekaAppBody(JSON.stringify({ application: { name: "LLAMA", instance: inst({ port: { $: "8081", "@enabled": "true" } }) } }), "");
    assert.ok(r.kind === "ok" && r.instances.length === 1 && r.instances[0].port === 8081);
  });
  it("reports XML and bad shapes as errors", () => {
    assert.deepEqual(parseEurekaAppBody("<application/>", ""), { kind: "error", error: "got XML, expected JSON" });
    assert.equal(parseEurekaAppBody(JSON.stringify({ application: { instance: [inst({ port: { $: "x" } })] } }), "").kind, "error");
  });
});

describe("names and EDS documents", () => {
  it("follows Higress hosts", () => {
    assert.equal(nacosClusterName("qwen_local", "DEFAULT_GROUP", "public"), "qwen_local.DEFAULT-GROUP.public.nacos");
    assert.equal(nacosClusterName("m", "my_group", "ns_1"), "m.my-group.ns-1.nacos");
    assert.equal(eurekaClusterName("llama-local"), "LLAMA-LOCAL.eureka");
  });
  it("resolves hostnames to IPs (IPv6 without brackets) and is stable under reordering", async () => {
    const mk = (address: string, port: number) => ({ address, port, weight: 1, metadata: {}, origin: {} });
    const { resolved, failed } = await resolveInstances([mk("[fd00::2]", 1), mk("svc.local", 2), mk("nowhere", 3)], async (h) => {
      if (h === "svc.local") return ["10.1.1.1", "10.1.1.2"];
      throw new Error("ENOTFOUND");
    });
    assert.deepEqual(resolved.map((i) => i.address), ["fd00::2", "10.1.1.1", "10.1.1.2"]);
    assert.deepEqual(failed, ["nowhere"]);
    assert.deepEqual(clusterLoadAssignment("c", resolved), clusterLoadAssignment("c", [...resolved].reverse()));
  });
});
