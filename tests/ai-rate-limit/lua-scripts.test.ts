// The cluster-mode Lua scripts (plugins/ai-rate-limit/lua.ts) run against a real redis-server:
// same answers as the local window code for the edge cases windows.spec.ts covers.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { RedisServer, RespClient, redisAvailable, type Resp } from "./redis-server.ts";

const src = fs.readFileSync(path.join(import.meta.dirname, "../../plugins/ai-rate-limit/lua.ts"), "utf8");
function script(name: string): string {
  const m = new RegExp("export const " + name + ": string = `([\\s\\S]*?)`;").exec(src);
  if (!m) throw new Error("script " + name + " not found in lua.ts");
  return m[1];
}
const CHECK = script("CHECK_AND_ADD_SCRIPT");
const ADJUST = script("ADJUST_SCRIPT");

let srv: RedisServer;
let c: RespClient;
// redis-server is a Debian package `make test` installs: missing is a failure, never a skip.
if (!redisAvailable()) throw new Error("redis-server not found: apt-get install redis-server (make test installs it)");

before(async () => {
  srv = await RedisServer.start();
  c = await RespClient.connect(srv.port);
});
after(async () => {
  c?.close();
  await srv?.stop();
});

type Counter = { key: string; win: number; k: number; limit: number; cost: number };

async function check(now: number, ...cs: Counter[]): Promise<number[]> {
  const args: (string | number)[] = ["EVAL", CHECK, cs.length, ...cs.map((x) => x.key), now];
  for (const x of cs) args.push(x.win, x.k, x.limit, x.cost);
  const r = await c.call(...args);
  assert.ok(Array.isArray(r), String(r));
  return (r as Resp[]).map(Number);
}

async function hits(now: number, n: number, x: Counter): Promise<number> {
  let ok = 0;
  for (let i = 0; i < n; i++) if ((await check(now, x))[0] === 1) ok++;
  return ok;
}

test("sliding window does not double the limit at a window edge", async () => {
  const x = { key: "s1", win: 1000, k: 10, limit: 5, cost: 1 };
  assert.equal(await hits(10_999, 5, x), 5);
  assert.equal(await hits(11_000, 5, x), 0);
  const r = await check(11_000, x);
  assert.deepEqual(r, [0, 1, 0, 900, 110]);
  assert.equal(await hits(11_899, 1, x), 0);
  assert.equal(await hits(11_900, 5, x), 5);
});

test("fixed window resets at the boundary (and allows 2x across it)", async () => {
  const x = { key: "f1", win: 1000, k: 1, limit: 5, cost: 1 };
  assert.equal(await hits(10_999, 7, x), 5);
  assert.equal(await hits(11_000, 7, x), 5);
});

test("allowed replies carry remaining, reset and bucket", async () => {
  const x = { key: "r1", win: 60_000, k: 10, limit: 3, cost: 1 };
  assert.deepEqual(await check(1000, x), [1, 0, 2, 59_000, 0]);
  const pttl = Number(await c.call("PTTL", "r1"));
  assert.ok(pttl > 60_000 && pttl <= 66_000, "expires one window after the last write: " + pttl);
});

test("all counters of a request are charged, or none", async () => {
  const a = { key: "a1", win: 1000, k: 10, limit: 10, cost: 1 };
  const b = { key: "b1", win: 1000, k: 10, limit: 1, cost: 1 };
  assert.equal((await check(0, a, b))[0], 1);
  const r = await check(0, a, b);
  assert.equal(r[0], 0);
  assert.equal(r[1], 2); // b did not fit
  assert.equal(await c.call("HGET", "a1", "0"), "1"); // a not charged by the rejected call
});

test("a cost above the limit never fits and waits a full window", async () => {
  const x = { key: "big", win: 1000, k: 10, limit: 100, cost: 101 };
  assert.deepEqual(await check(0, x), [0, 1, 100, 1000, 0]);
});

test("adjust releases into the reservation's bucket, or charges now when it left", async () => {
  const x = { key: "t1", win: 60_000, k: 10, limit: 1000, cost: 800 };
  const r = await check(0, x);
  assert.equal(r[0], 1);
  const bucket = r[4];
  assert.equal((await check(1000, { ...x, cost: 300 }))[0], 0);
  await c.call("EVAL", ADJUST, 1, "t1", 2000, 60_000, 10, bucket, -600);
  assert.equal((await check(2000, { ...x, cost: 300 }))[0], 1);
  // never below zero
  await c.call("EVAL", ADJUST, 1, "t1", 2000, 60_000, 10, bucket, -5000);
  assert.equal(await c.call("HGET", "t1", String(bucket)), "0");
  // bucket gone: a release is dropped, a charge lands in the current bucket
  await c.call("EVAL", ADJUST, 1, "t1", 200_000, 60_000, 10, bucket, -5);
  await c.call("EVAL", ADJUST, 1, "t1", 200_000, 60_000, 10, bucket, 30);
  assert.equal(await c.call("HGET", "t1", String(Math.floor(200_000 / 6000))), "30");
});
