// The Higress Redis ABI connector against a real redis-server (started here on a free port),
// and RESP framing.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import * as net from "node:net";
import { after, before, describe, it } from "node:test";
import { RunnerLogger } from "../../host/runner/logger.ts";
import { REDIS_CALL_FAILED, RunnerRedisConnector, splitClusterName } from "../../host/runner/redis/redis-connector.ts";
import { encodeCommand, INCOMPLETE, PROTOCOL_ERROR, replyEnd } from "../../host/runner/redis/resp-frame.ts";
import { freePort, sleep } from "./helpers.ts";

const PASSWORD = "s3cret";

describe("RESP framing", () => {
  const b = (s: string) => Buffer.from(s, "binary");

  it("finds the end of each reply type", () => {
    for (const r of ["+OK\r\n", "-ERR no\r\n", ":42\r\n", "$5\r\nhello\r\n", "$-1\r\n", "*-1\r\n", "*0\r\n", "$0\r\n\r\n", "_\r\n", ",1.5\r\n", "#t\r\n"])
      assert.equal(replyEnd(b(r + "+NEXT\r\n")), r.length, JSON.stringify(r));
  });

  it("walks nested arrays, binary bulk strings and RESP3 maps", () => {
    const nested = "*3\r\n:1\r\n*2\r\n$4\r\na\r\nb\r\n*1\r\n+x\r\n$2\r\n\r\n\r\n";
    assert.equal(replyEnd(b(nested)), nested.length);
    const map = "%2\r\n+k\r\n:1\r\n+k2\r\n*1\r\n:2\r\n";
    assert.equal(replyEnd(b(map + ":9\r\n")), map.length);
    const attr = "|1\r\n+ttl\r\n:3\r\n$1\r\nv\r\n";
    assert.equal(replyEnd(b(attr)), attr.length);
  });

  it("says INCOMPLETE for every proper prefix, and PROTOCOL_ERROR for garbage", () => {
    const r = "*2\r\n$5\r\nhello\r\n*1\r\n:7\r\n";
    for (let i = 0; i < r.length; i++) assert.equal(replyEnd(b(r.slice(0, i))), INCOMPLETE, `prefix ${i}`);
    assert.equal(replyEnd(b(r)), r.length);
    assert.equal(replyEnd(b("?what\r\n")), PROTOCOL_ERROR);
    assert.equal(replyEnd(b("$3\r\nabcd\r\n")), PROTOCOL_ERROR);
    assert.equal(replyEnd(b("*x\r\n")), PROTOCOL_ERROR);
  });

  it("parses the cluster name with ?db=N", () => {
    assert.deepEqual(splitClusterName("outbound|6379||redis.static?db=3"), { cluster: "outbound|6379||redis.static", db: 3 });
    assert.deepEqual(splitClusterName("redis"), { cluster: "redis", db: 0 });
    assert.equal(splitClusterName("redis?db=x"), null);
  });
});

describe("Redis connector against redis-server", () => {
  let port = 0;
  let proc: ChildProcess | null = null;
  let deadPort = 0;
  const logs: string[] = [];
  const logger = new RunnerLogger(0, (l) => logs.push(l));
  const connectors: RunnerRedisConnector[] = [];

  async function startRedis(): Promise<void> {
    proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--requirepass", PASSWORD], { stdio: "ignore" });
    for (let i = 0; i < 200; i++) {
      const up = await new Promise<boolean>((r) => {
        const s = net.connect(port, "127.0.0.1");
        s.once("connect", () => (s.destroy(), r(true)));
        s.once("error", () => r(false));
      });
      if (up) return;
      await sleep(25);
    }
    throw new Error("redis-server did not start");
  }

  async function stopRedis(): Promise<void> {
    if (!proc) return;
    const p = proc;
    proc = null;
    await new Promise<void>((r) => {
      p.once("exit", () => r());
      p.kill("SIGTERM");
    });
  }

  // The cluster manager side: cluster name -> host.
  const picker = {
    has: (c: string) => c === "outbound|6379||redis.static" || c === "redis" || c === "dead",
    pickHost: (c: string) => ({ address: "127.0.0.1", port: c === "dead" ? deadPort : port }),
  };

  function connector(): RunnerRedisConnector {
    const c = new RunnerRedisConnector(picker, logger);
    connectors.push(c);
    return c;
  }

  const cmd = (...args: string[]) => encodeCommand(args);
  const text = (r: { reply: Uint8Array }) => Buffer.from(r.reply).toString("binary");

  before(async () => {
    port = await freePort();
    deadPort = await freePort();
    await startRedis();
  });
  after(async () => {
    for (const c of connectors) c.close();
    await stopRedis();
  });

  it("initialises with the password and returns one raw RESP reply per call", async () => {
    const r = connector();
    assert.equal(await r.init("redis", "", PASSWORD, 500), 0);
    assert.equal(text(await r.call("redis", cmd("SET", "k", "v\r\n1"))), "+OK\r\n");
    assert.equal(text(await r.call("redis", cmd("GET", "k"))), "$4\r\nv\r\n1\r\n");
    assert.equal(text(await r.call("redis", cmd("INCRBY", "n", "5"))), ":5\r\n");
    assert.equal(text(await r.call("redis", cmd("GET", "missing"))), "$-1\r\n");
    assert.match(text(await r.call("redis", cmd("NOPE"))), /^-ERR unknown command/);
    const script = "return {1, {redis.call('INCR', KEYS[1]), 'x'}}";
    assert.equal(text(await r.call("redis", cmd("EVAL", script, "1", "n"))), "*2\r\n:1\r\n*2\r\n:6\r\n$1\r\nx\r\n");
  });

  it("keeps replies in order for pipelined calls", async () => {
    const r = connector();
    assert.equal(await r.init("redis", "", PASSWORD, 500), 0);
    const replies = await Promise.all(Array.from({ length: 50 }, (_, i) => r.call("redis", cmd("ECHO", `m${i}`))));
    replies.forEach((rep, i) => assert.equal(text(rep), `$${`m${i}`.length}\r\nm${i}\r\n`));
  });

  it("shares one connection between the workers' inits of the same cluster", async () => {
    const r = connector();
    const statuses = await Promise.all([1, 2, 3].map(() => r.init("redis", "", PASSWORD, 500)));
    assert.deepEqual(statuses, [0, 0, 0]);
    const before = text(await r.call("redis", cmd("CLIENT", "ID")));
    assert.equal(await r.init("redis", "", PASSWORD, 500), 0);
    assert.equal(text(await r.call("redis", cmd("CLIENT", "ID"))), before, "same connection after another init");
    const clients = text(await r.call("redis", cmd("CLIENT", "LIST")));
    assert.equal(clients.split("\n").filter((l) => l.includes("cmd=client")).length, 1);
  });

  it("fails init fast on a wrong password or user", async () => {
    const r = connector();
    let t = Date.now();
    assert.equal(await r.init("redis", "", "wrong", 5000), 10);
    assert.ok(Date.now() - t < 500, "well before the 5 s timeout");
    t = Date.now();
    assert.equal(await r.init("redis", "nobody", PASSWORD, 5000), 10);
    assert.ok(Date.now() - t < 500);
    assert.ok(logs.some((l) => l.includes("AUTH rejected")));
    assert.ok(!logs.some((l) => l.includes(PASSWORD)), "the password is never logged");
    assert.equal(r.initialized("redis"), false);
    assert.equal((await r.call("redis", cmd("PING"))).status, REDIS_CALL_FAILED);
  });

  it("selects the database from ?db=N", async () => {
    const r = connector();
    assert.equal(await r.init("outbound|6379||redis.static?db=2", "", PASSWORD, 500), 0);
    assert.equal(await r.init("outbound|6379||redis.static", "", PASSWORD, 500), 0);
    await r.call("outbound|6379||redis.static?db=2", cmd("SET", "dbkey", "two"));
    assert.equal(text(await r.call("outbound|6379||redis.static?db=2", cmd("GET", "dbkey"))), "$3\r\ntwo\r\n");
    assert.equal(text(await r.call("outbound|6379||redis.static", cmd("GET", "dbkey"))), "$-1\r\n");
    assert.equal(await r.init("outbound|6379||redis.static?db=99", "", PASSWORD, 500), 10, "SELECT out of range is rejected");
  });

  it("rejects an unknown cluster with BadArgument", async () => {
    assert.equal(await connector().init("nope", "", PASSWORD, 500), 2);
  });

  it("reports an unreachable Redis quickly, without failing init", async () => {
    const r = connector();
    let t = Date.now();
    assert.equal(await r.init("dead", "", PASSWORD, 1000), 0);
    assert.ok(Date.now() - t < 500);
    t = Date.now();
    for (let i = 0; i < 20; i++) assert.equal((await r.call("dead", cmd("PING"))).status, REDIS_CALL_FAILED);
    assert.ok(Date.now() - t < 500, `20 calls took ${Date.now() - t} ms`);
  });

  it("times a call out, then reconnects for the next one", async () => {
    const r = connector();
    assert.equal(await r.init("redis", "", PASSWORD, 200), 0);
    const t = Date.now();
    const blocked = await r.call("redis", cmd("BLPOP", "empty-list", "5"));
    const took = Date.now() - t;
    assert.equal(blocked.status, REDIS_CALL_FAILED);
    assert.ok(took >= 190 && took < 1000, `took ${took} ms`);
    assert.equal(text(await r.call("redis", cmd("PING"))), "+PONG\r\n");
  });

  it("recovers after Redis restarts", async () => {
    const r = connector();
    assert.equal(await r.init("redis", "", PASSWORD, 300), 0);
    assert.equal(text(await r.call("redis", cmd("PING"))), "+PONG\r\n");
    await stopRedis();
    assert.equal((await r.call("redis", cmd("PING"))).status, REDIS_CALL_FAILED);
    await startRedis();
    await sleep(1100); // past the reconnect back-off
    assert.equal(text(await r.call("redis", cmd("PING"))), "+PONG\r\n");
  });
});
