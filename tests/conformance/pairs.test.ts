// Pairs serialization and cpp-host's strict parser (PairsUtil::toPairs): any violation gives an
// empty list, silently.

import { test } from "node:test";
import assert from "node:assert/strict";
import { decodePairs, encodePairs } from "../../host/memory.ts";

const sample: [string, string][] = [
  [":method", "GET"],
  ["k", ""],
  ["", "v"],
  ["bin", "\u0000\u00ff"],
];

test("layout: count, (key_len, value_len)*, then (key NUL value NUL)*", () => {
  const b = Buffer.from(encodePairs([["ab", "c"], ["", "de"]]));
  assert.deepEqual(
    [...b],
    [2, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0x61, 0x62, 0, 0x63, 0, 0, 0x64, 0x65, 0],
  );
  assert.deepEqual(decodePairs(b), [["ab", "c"], ["", "de"]]);
  assert.deepEqual([...encodePairs([])], [0, 0, 0, 0]);
});

test("round trip, including empty keys/values and binary bytes", () => {
  assert.deepEqual(decodePairs(encodePairs(sample)), sample);
});

test("strict parser: every malformed input is an empty list", () => {
  const good = Buffer.from(encodePairs(sample));
  const cases: [string, Uint8Array][] = [
    ["too short for the count", good.subarray(0, 3)],
    ["empty", new Uint8Array(0)],
    ["trailing byte", Buffer.concat([good, Buffer.from([0])])],
    ["truncated", good.subarray(0, good.length - 1)],
  ];
  const noNul = Buffer.from(good);
  noNul[noNul.length - 1] = 1;
  cases.push(["value without NUL", noNul]);
  const keyNoNul = Buffer.from(encodePairs([["k", "v"]]));
  keyNoNul[4 + 8 + 1] = 0x20; // the NUL after "k"
  cases.push(["key without NUL", keyNoNul]);
  const hugeLen = Buffer.from(encodePairs([["k", "v"]]));
  hugeLen.writeUInt32LE(0xffffffff, 4);
  cases.push(["length past the end", hugeLen]);
  const count = Buffer.alloc(8);
  count.writeUInt32LE(1025);
  cases.push(["more than 1024 pairs", count]);
  const countBig = Buffer.alloc(4);
  countBig.writeUInt32LE(3);
  cases.push(["count larger than the buffer", countBig]);
  for (const [what, bytes] of cases) assert.deepEqual(decodePairs(bytes), [], what);
});

test("limits: 1024 pairs decode, 1025 do not; over 1 MiB does not", () => {
  const many: [string, string][] = Array.from({ length: 1024 }, (_, i) => [`k${i}`, "v"]);
  assert.equal(decodePairs(encodePairs(many)).length, 1024);
  assert.deepEqual(decodePairs(encodePairs([...many, ["x", "y"]])), []);
  const big: [string, string][] = [["k", "x".repeat(1024 * 1024 - 16)]];
  assert.equal(decodePairs(encodePairs(big)).length, 1, "just under 1 MiB");
  assert.deepEqual(decodePairs(encodePairs([["k", "x".repeat(1024 * 1024)]])), []);
});
