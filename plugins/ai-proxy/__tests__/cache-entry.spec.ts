import { requestHash, CacheEntry, encodeEntry, decodeEntry, slotKey } from "../cache-entry";

function h(body: string, model: string = "m", api: i32 = 1): u64 {
  return requestHash(String.UTF8.encode(body), api, model);
}

describe("cache entry", () => {
  it("ignores whitespace between tokens, not inside strings", () => {
    expect(h('{"a": 1, "b" : [1, 2]}')).toBe(h('{"a":1,"b":[1,2]}'));
    expect(h('{"a":"x y"}')).not.toBe(h('{"a":"xy"}'));
    expect(h('{"a":"q\\" y"}')).not.toBe(h('{"a":"q\\"y"}'));
  });
  it("depends on model and api", () => {
    expect(h("{}", "a")).not.toBe(h("{}", "b"));
    expect(h("{}", "a", 1)).not.toBe(h("{}", "a", 5));
  });
  it("round-trips, expires, and rejects another hash", () => {
    const e = new CacheEntry();
    e.hash = 77;
    e.expiresAtMs = 1000;
    e.status = 200;
    e.stream = true;
    e.contentType = "text/event-stream";
    e.body = String.UTF8.encode("data: x\n\n");
    const enc = encodeEntry(e);
    const d = decodeEntry(enc, 77, 999)!;
    expect(d.stream).toBe(true);
    expect(d.contentType).toBe("text/event-stream");
    expect(String.UTF8.decode(d.body)).toBe("data: x\n\n");
    expect(decodeEntry(enc, 77, 1000)).toBeNull();
    expect(decodeEntry(enc, 78, 0)).toBeNull();
    expect(decodeEntry(new ArrayBuffer(4), 77, 0)).toBeNull();
  });
  it("maps hashes to bounded slots", () => {
    expect(slotKey("c.", 10, 4)).toBe("c.2");
  });
});
