import { casUpdate, KvStore, KvValue, Updater, WindowAdd, RESULT_OK, RESULT_CAS_MISMATCH } from "../counter";
import { WindowSpec, WindowDecision, peek } from "../windows";
import { MemStore } from "./kv-fake";

const SPEC = new WindowSpec(60_000, 100, true, 10);

/** Lets a second worker finish a whole update between this worker's read and its write. */
class InterleavingStore extends KvStore {
  inner: MemStore;
  armed: bool = true;
  useCasZeroForCreate: bool = false;
  constructor(inner: MemStore) {
    super();
    this.inner = inner;
  }
  get(key: string): KvValue | null {
    return this.inner.get(key);
  }
  set(key: string, value: ArrayBuffer, cas: u32): i32 {
    if (this.armed) {
      this.armed = false;
      const other = new WindowAdd().set(SPEC, 1000, 1);
      expect(casUpdate(this.inner, key, other)).toBe(RESULT_OK);
    }
    return this.inner.set(key, value, this.useCasZeroForCreate && cas == 0xffffffff ? 0 : cas);
  }
}

function countOf(store: MemStore, key: string): i64 {
  const v = store.get(key);
  const d = new WindowDecision();
  peek(v === null ? null : v.value, SPEC, 1000, d);
  return 100 - d.remaining;
}

class AlwaysConflict extends KvStore {
  attempts: i32 = 0;
  get(key: string): KvValue | null {
    return new KvValue(new ArrayBuffer(0), 7);
  }
  set(key: string, value: ArrayBuffer, cas: u32): i32 {
    this.attempts++;
    return RESULT_CAS_MISMATCH;
  }
}

class NoWrite extends Updater {
  update(current: ArrayBuffer | null): ArrayBuffer | null {
    return null;
  }
}

describe("casUpdate", () => {
  it("counts both workers when they race to create a new key", () => {
    const mem = new MemStore();
    const racy = new InterleavingStore(mem);
    expect(casUpdate(racy, "k", new WindowAdd().set(SPEC, 1000, 1))).toBe(RESULT_OK);
    expect(countOf(mem, "k")).toBe(2);
  });
  it("would lose one count if a new key were created with cas 0 (why CREATE_CAS exists)", () => {
    const mem = new MemStore();
    const racy = new InterleavingStore(mem);
    racy.useCasZeroForCreate = true;
    casUpdate(racy, "k", new WindowAdd().set(SPEC, 1000, 1));
    expect(countOf(mem, "k")).toBe(1);
  });
  it("counts both workers when they race on an existing key", () => {
    const mem = new MemStore();
    casUpdate(mem, "k", new WindowAdd().set(SPEC, 1000, 1));
    const racy = new InterleavingStore(mem);
    casUpdate(racy, "k", new WindowAdd().set(SPEC, 1000, 1));
    expect(countOf(mem, "k")).toBe(3);
  });
  it("gives up after the bound", () => {
    const s = new AlwaysConflict();
    expect(casUpdate(s, "k", new WindowAdd().set(SPEC, 1000, 1), 5)).toBe(RESULT_CAS_MISMATCH);
    expect(s.attempts).toBe(5);
  });
  it("writes nothing when the updater declines", () => {
    const mem = new MemStore();
    expect(casUpdate(mem, "k", new NoWrite())).toBe(RESULT_OK);
    expect(mem.writes).toBe(0);
  });
  it("never admits past the limit when the window is full", () => {
    const mem = new MemStore();
    const add = new WindowAdd();
    let admitted = 0;
    for (let i = 0; i < 150; i++) {
      casUpdate(mem, "k", add.set(SPEC, 1000, 1));
      if (add.decision.allowed) admitted++;
    }
    expect(admitted).toBe(100);
  });
});
