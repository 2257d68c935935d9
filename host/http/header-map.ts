// An Envoy-like header map (source/common/http/header_map_impl.cc), enough for the ABI:
// - keys are lower-cased on every operation (Http::LowerCaseString);
// - pseudo-headers (":x") are kept before all other headers: adding one inserts it after the last
//   pseudo-header, adding a normal header appends;
// - get gives the first value; setCopy (replace) removes every entry of the key, then adds one
//   (the http_set_copy_replace_all_headers behaviour, default since 2021);
// - byteSize is the sum of key and value lengths (what proxy_get_header_map_size returns).
// Strings hold one byte per char (see memory.ts).

import type { HeaderList, HeaderPair } from "../contract.ts";

function lower(key: string): string {
  // Fast path: most keys are already lower-case ASCII.
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c >= 65 && c <= 90) return key.toLowerCase();
  }
  return key;
}

export class HeaderMap {
  entries: HeaderPair[];
  /** Called after every mutation (the wasm filter clears the route cache from here). */
  onModified: (() => void) | null = null;

  constructor(entries?: HeaderList) {
    this.entries = entries ? entries.map((e) => [lower(e[0]), e[1]] as HeaderPair) : [];
  }

  static fromObject(obj: Record<string, string | string[]>): HeaderMap {
    const m = new HeaderMap();
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (Array.isArray(v)) for (const x of v) m.add(k, x);
      else m.add(k, v);
    }
    return m;
  }

  get size(): number {
    return this.entries.length;
  }

  get(key: string): string | undefined {
    key = lower(key);
    const e = this.entries;
    for (let i = 0; i < e.length; i++) if (e[i][0] === key) return e[i][1];
    return undefined;
  }

  /** All values of key joined with "," (Envoy's getAllOfHeaderAsString). */
  getAll(key: string): string | undefined {
    key = lower(key);
    let out: string | undefined;
    for (const [k, v] of this.entries) if (k === key) out = out === undefined ? v : out + "," + v;
    return out;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** addCopy without the modification hook (used when the host itself builds a map). */
  append(key: string, value: string): void {
    key = lower(key);
    const e = this.entries;
    if (key.charCodeAt(0) === 58 /* ':' */) {
      let i = 0;
      while (i < e.length && e[i][0].charCodeAt(0) === 58) i++;
      if (i === e.length) e.push([key, value]); // the usual case: pseudo-headers come first
      else e.splice(i, 0, [key, value]);
    } else {
      e.push([key, value]);
    }
  }

  add(key: string, value: string): void {
    this.append(key, value);
    this.onModified?.();
  }

  /** Removes every entry of key; no-op (still a "modification") when absent. */
  remove(key: string): void {
    this.removeQuiet(lower(key));
    this.onModified?.();
  }

  private removeQuiet(key: string): void {
    const e = this.entries;
    let j = 0;
    for (let i = 0; i < e.length; i++) if (e[i][0] !== key) e[j++] = e[i];
    e.length = j;
  }

  /** setCopy: remove all entries of key, then add one. */
  set(key: string, value: string): void {
    key = lower(key);
    this.removeQuiet(key);
    this.append(key, value);
    this.onModified?.();
  }

  /** set_header_map_pairs: remove everything, then add each pair in order. */
  replaceAll(list: HeaderList): void {
    this.entries.length = 0;
    for (const [k, v] of list) this.append(k, v);
    this.onModified?.();
  }

  byteSize(): number {
    let n = 0;
    for (const [k, v] of this.entries) n += k.length + v.length;
    return n;
  }

  toList(): HeaderList {
    return this.entries.map((e) => [e[0], e[1]] as HeaderPair);
  }

  clone(): HeaderMap {
    const m = new HeaderMap();
    m.entries = this.toList();
    return m;
  }
}
