// KvStore over Envoy shared data (proxy_get_shared_data / proxy_set_shared_data).
import { getSharedData, setSharedData } from "../../assembly";
import { KvStore, KvValue } from "./counter";

export class HostKv extends KvStore {
  /** reused: casUpdate consumes a value before its next read */
  private last: KvValue = new KvValue(new ArrayBuffer(0), 0);

  get(key: string): KvValue | null {
    const v = getSharedData(key);
    if (v === null) return null;
    const r = this.last;
    r.value = v.value;
    r.cas = v.cas;
    return r;
  }

  set(key: string, value: ArrayBuffer, cas: u32): i32 {
    return <i32>setSharedData(key, value, cas);
  }
}
