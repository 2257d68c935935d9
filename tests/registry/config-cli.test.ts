// Config errors named by field, the docker-compose flag form, and the command run once.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { after, describe, it } from "node:test";
import { buildConfig, flagsToDoc, parseConfigText } from "../../registry/config.ts";
import { FakeEureka } from "./fakes/eureka.ts";
import { FakeNacos } from "./fakes/nacos.ts";
import { tempDir, validateEds } from "./helpers.ts";

const ROOT = path.join(import.meta.dirname, "../..");
const cleanups: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

describe("config", () => {
  it("lists every problem with its field", () => {
    const { errors } = parseConfigText("nacos:\n  server: ftp://x\n  api: v9\n  services: [{group: g}]\n  bogus: 1\neureka: [{server: http://e, apps: [{}]}]\nstatic: [{name: s, endpoints: [\"nope\"]}]\n", () => {});
    assert.deepEqual(errors.sort(), [
      "eureka[0].apps[0].name: required",
      "nacos.api: expected v1, v2 or v3",
      "nacos.bogus: unknown field",
      "nacos.server: ftp://x: only http and https",
      "outDir: required",
      "static[0].endpoints: at least one",
      "static[0].endpoints[0]: nope: expected host:port or [ipv6]:port",
    ]);
  });
  it("reads the docker-compose flags", () => {
    const f = flagsToDoc(["--out-dir", "/eds", "--nacos", "http://n:8848", "--nacos-service", "qwen-local@DEFAULT_GROUP@public", "--eureka", "http://e:8761/eureka", "--eureka-app", "llama-local"]);
    assert.deepEqual(f.errors, []);
    const { config, errors } = buildConfig(f.doc, () => {});
    assert.deepEqual(errors, []);
    assert.deepEqual(config!.sources.map((s) => s.cluster), ["qwen-local.DEFAULT-GROUP.public.nacos", "LLAMA-LOCAL.eureka"]);
    assert.deepEqual(flagsToDoc(["--eureka-app", "x"]).errors, ["--eureka-app: needs a --eureka before it"]);
  });
});

describe("registry/main.ts", () => {
  it("--once writes every file, empty ones included when the registry has nothing yet", async () => {
    const nacos = await new FakeNacos().start();
    const eureka = await new FakeEureka({ cacheMs: 0 }).start();
    cleanups.push(() => nacos.stop(), () => eureka.stop());
    nacos.register("qwen-local", { ip: "127.0.0.1", port: 7001 });
    const dir = tempDir();
    const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile(process.execPath, ["--import", "tsx", "registry/main.ts", "--out-dir", dir, "--once", "--nacos", nacos.url, "--nacos-service", "qwen-local@DEFAULT_GROUP@public", "--eureka", eureka.url, "--eureka-app", "llama-local"], { cwd: ROOT }, (err, _o, stderr) => resolve({ code: err ? Number(err.code) : 0, stderr })),
    );
    assert.equal(out.code, 0, out.stderr);
    assert.equal(validateEds(path.join(dir, "qwen-local.DEFAULT-GROUP.public.nacos.yaml"), "qwen-local.DEFAULT-GROUP.public.nacos").length, 1);
    const empty = JSON.parse(fs.readFileSync(path.join(dir, "LLAMA-LOCAL.eureka.yaml"), "utf8"));
    assert.deepEqual(empty.resources[0].endpoints, []);
    assert.deepEqual(fs.readdirSync(dir).filter((f) => f.endsWith(".tmp")), [], "no temp files left");
  });
});
