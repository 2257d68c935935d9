// In-memory shared data with proxy-wasm-cpp-host's rules (src/shared_data.cc), for specs.
import { KvStore, KvValue, RESULT_OK, RESULT_CAS_MISMATCH } from "../counter";

export class MemStore extends KvStore {
  keys: string[] = [];
  values: ArrayBuffer[] = [];
  cases: u32[] = [];
  nextCas: u32 = 1;
  writes: i32 = 0;

  find(key: string): i32 {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] == key) return i;
    return -1;
  }

  get(key: string): KvValue | null {
    const i = this.find(key);
    if (i < 0) return null;
    return new KvValue(this.values[i].slice(0), this.cases[i]);
  }

  set(key: string, value: ArrayBuffer, cas: u32): i32 {
    const i = this.find(key);
    const c = this.nextCas++;
    if (this.nextCas == 0) this.nextCas = 1;
    if (i < 0) {
      // A missing key is created whatever cas is given.
      this.keys.push(key);
      this.values.push(value.slice(0));
      this.cases.push(c);
      this.writes++;
      return RESULT_OK;
    }
    if (cas != 0 && cas != this.cases[i]) return RESULT_CAS_MISMATCH;
    this.values[i] = value.slice(0);
    this.cases[i] = c;
    this.writes++;
    return RESULT_OK;
  }
}
