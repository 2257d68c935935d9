// KvStore over Envoy shared data (proxy_get_shared_data / proxy_set_shared_data).
import { getSharedData, setSharedData } from "../../assembly";
import { KvStore, KvValue } from "./counter";

export class HostKv extends KvStore {
  get(key: string): KvValue | null {
    const v = getSharedData(key);
    if (v === null) return null;
    return new KvValue(v.value, v.cas);
  }

  set(key: string, value: ArrayBuffer, cas: u32): i32 {
    return <i32>setSharedData(key, value, cas);
  }
}
