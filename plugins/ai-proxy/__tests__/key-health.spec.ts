import { KeyHealth, tokensFingerprint } from "../key-health";

describe("KeyHealth", () => {
  it("takes a key out after N consecutive failures", () => {
    const h = KeyHealth.fresh(1, 3);
    expect(h.recordRequest(1, true, 3)).toBe(true);
    expect(h.recordRequest(1, true, 3)).toBe(true);
    expect(h.available[1]).toBe(true);
    h.recordRequest(1, true, 3);
    expect(h.available[1]).toBe(false);
    expect(h.availableIndices()).toStrictEqual([0, 2]);
    expect(h.unavailableIndices()).toStrictEqual([1]);
  });
  it("a success resets the consecutive count", () => {
    const h = KeyHealth.fresh(1, 1);
    h.recordRequest(0, true, 2);
    h.recordRequest(0, false, 2);
    h.recordRequest(0, true, 2);
    expect(h.available[0]).toBe(true);
    expect(h.recordRequest(0, false, 2)).toBe(true);
    expect(h.recordRequest(0, false, 2)).toBe(false);
  });
  it("ignores request results for unavailable keys", () => {
    const h = KeyHealth.fresh(1, 1);
    h.recordRequest(0, true, 1);
    expect(h.recordRequest(0, false, 1)).toBe(false);
    expect(h.available[0]).toBe(false);
  });
  it("restores after successThreshold passing probes in a row", () => {
    const h = KeyHealth.fresh(1, 1);
    h.recordRequest(0, true, 1);
    expect(h.recordProbe(0, true, 2)).toBe(true);
    expect(h.recordProbe(0, false, 2)).toBe(true); // streak broken
    h.recordProbe(0, true, 2);
    expect(h.available[0]).toBe(false);
    h.recordProbe(0, true, 2);
    expect(h.available[0]).toBe(true);
    expect(h.recordProbe(0, true, 2)).toBe(false); // probes of available keys are ignored
  });
  it("round-trips through its encoding and resets on another token list", () => {
    const fp = tokensFingerprint(["a", "b"]);
    const h = KeyHealth.fresh(fp, 2);
    h.recordRequest(0, true, 1);
    h.recordRequest(1, true, 5);
    const back = KeyHealth.decode(h.encode(), fp, 2);
    expect(back.available[0]).toBe(false);
    expect(back.failures[1]).toBe(1);
    const other = KeyHealth.decode(h.encode(), tokensFingerprint(["a", "c"]), 2);
    expect(other.available[0]).toBe(true);
    const short = KeyHealth.decode(new ArrayBuffer(3), fp, 2);
    expect(short.available[0]).toBe(true);
    expect(KeyHealth.decode(null, fp, 2).count).toBe(2);
  });
  it("fingerprints depend on order and boundaries", () => {
    expect(tokensFingerprint(["ab", "c"])).not.toBe(tokensFingerprint(["a", "bc"]));
    expect(tokensFingerprint(["a", "b"])).not.toBe(tokensFingerprint(["b", "a"]));
  });
});
