// Strict reader for proto-shaped YAML: every field the runner reads is marked as used, and
// `done()` reports whatever is left as unsupported, naming its full path. Errors are collected
// (not thrown) so one start-up failure lists every problem in the file.
//
// Proto3 JSON rules honoured (Envoy loads YAML through the JSON mapping): snake_case or
// lowerCamelCase keys, integers as numbers or decimal strings, enums by name or number,
// Duration as "1.5s".

export type Obj = Record<string, unknown>;

export class Problems {
  readonly list: string[] = [];
  add(path: string, reason: string): void {
    this.list.push(`${path}: ${reason}`);
  }
  unsupported(path: string): void {
    this.add(path, "not supported by the local runner");
  }
  get ok(): boolean {
    return this.list.length === 0;
  }
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === "number") return `${base}[${key}]`;
  return base === "" ? key : `${base}.${key}`;
}

function snake(key: string): string {
  return key.replace(/[A-Z]/g, (c) => "_" + c.toLowerCase());
}

export function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Reads one message. Keys are looked up by their snake_case name. */
export class Fields {
  private readonly byName = new Map<string, string>(); // snake name -> key as written
  private readonly used = new Set<string>();

  constructor(
    readonly problems: Problems,
    readonly path: string,
    readonly obj: Obj,
  ) {
    for (const key of Object.keys(obj)) {
      const name = key.startsWith("@") ? key : snake(key);
      if (this.byName.has(name)) problems.add(joinPath(path, key), `duplicate of ${this.byName.get(name)}`);
      else this.byName.set(name, key);
    }
  }

  /** Opens `value` at `path` as a message; null (after reporting) when it is not a mapping. */
  static open(problems: Problems, path: string, value: unknown): Fields | null {
    if (!isObj(value)) {
      problems.add(path, "expected a mapping");
      return null;
    }
    return new Fields(problems, path, value);
  }

  has(name: string): boolean {
    const key = this.byName.get(name);
    return key !== undefined && this.obj[key] !== undefined && this.obj[key] !== null;
  }

  at(name: string): string {
    return joinPath(this.path, this.byName.get(name) ?? name);
  }

  /** The raw value, marked as used. */
  raw(name: string): unknown {
    const key = this.byName.get(name);
    if (key === undefined) return undefined;
    this.used.add(key);
    const v = this.obj[key];
    return v === null ? undefined : v;
  }

  /** Marks a field as read without interpreting it (documented as accepted and ignored). */
  ignore(name: string): void {
    this.raw(name);
  }

  str(name: string, fallback = ""): string {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v !== "string") {
      this.problems.add(this.at(name), "expected a string");
      return fallback;
    }
    return v;
  }

  requiredStr(name: string): string {
    if (!this.has(name)) {
      this.problems.add(this.at(name), "required");
      this.raw(name);
      return "";
    }
    const s = this.str(name);
    return s;
  }

  bool(name: string, fallback = false): boolean {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v === "boolean") return v;
    // google.protobuf.BoolValue may also be written as {value: true}
    if (isObj(v) && typeof v.value === "boolean" && Object.keys(v).length === 1) return v.value;
    this.problems.add(this.at(name), "expected true or false");
    return fallback;
  }

  /** Unsigned integer (proto uint32/uint64, or a UInt32Value wrapper). */
  uint(name: string, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const n = toUint(isObj(v) && "value" in v && Object.keys(v).length === 1 ? v.value : v);
    if (n === null || n > max) {
      this.problems.add(this.at(name), `expected an integer from 0 to ${max}`);
      return fallback;
    }
    return n;
  }

  /** Enum by name (or number, mapped through `names` by index). */
  enumOf<T extends string>(name: string, names: readonly T[], fallback: T): T {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    if (typeof v === "number" && Number.isInteger(v) && v >= 0 && v < names.length) return names[v];
    if (typeof v === "string" && (names as readonly string[]).includes(v)) return v as T;
    this.problems.add(this.at(name), `expected one of ${names.join(", ")}`);
    return fallback;
  }

  /** google.protobuf.Duration in its JSON form ("15s", "0.25s"); returns milliseconds. */
  durationMs(name: string, fallback: number): number {
    const v = this.raw(name);
    if (v === undefined) return fallback;
    const ms = typeof v === "string" ? parseDurationMs(v) : null;
    if (ms === null) {
      this.problems.add(this.at(name), 'expected a duration such as "5s" or "0.25s"');
      return fallback;
    }
    return ms;
  }

  message(name: string): Fields | null {
    const v = this.raw(name);
    if (v === undefined) return null;
    return Fields.open(this.problems, this.at(name), v);
  }

  list(name: string): unknown[] {
    const v = this.raw(name);
    if (v === undefined) return [];
    if (!Array.isArray(v)) {
      this.problems.add(this.at(name), "expected a list");
      return [];
    }
    return v;
  }

  /** Each element of a repeated message field, opened. Bad elements are reported and skipped. */
  messages(name: string): Array<{ f: Fields; index: number }> {
    const out: Array<{ f: Fields; index: number }> = [];
    const base = this.at(name);
    this.list(name).forEach((v, index) => {
      const f = Fields.open(this.problems, joinPath(base, index), v);
      if (f) out.push({ f, index });
    });
    return out;
  }

  /** A map<string, V> field read as a whole: its entries with their paths; all marked used. */
  static mapEntries(problems: Problems, path: string, value: unknown): Array<{ key: string; path: string; value: unknown }> {
    if (!isObj(value)) {
      problems.add(path, "expected a mapping");
      return [];
    }
    return Object.keys(value).map((key) => ({ key, path: joinPath(path, key), value: value[key] }));
  }

  /** Reports every field not read as unsupported. Call once the message has been interpreted. */
  done(): void {
    for (const key of Object.keys(this.obj)) {
      if (!this.used.has(key)) this.problems.unsupported(joinPath(this.path, key));
    }
  }
}

export function toUint(v: unknown): number | null {
  if (typeof v === "number") return Number.isSafeInteger(v) && v >= 0 ? v : null;
  if (typeof v === "string" && /^\d+$/.test(v)) {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : null;
  }
  return null;
}

export function parseDurationMs(s: string): number | null {
  const m = /^(\d+)(?:\.(\d{1,9}))?s$/.exec(s);
  if (!m) return null;
  const frac = m[2] ? Number(m[2].padEnd(9, "0")) / 1e6 : 0;
  return Number(m[1]) * 1000 + frac;
}

/** Checks an Any's "@type" against the one the runner understands. */
export function expectType(f: Fields, typeUrl: string): boolean {
  const t = f.str("@type");
  if (t === typeUrl) return true;
  f.problems.add(f.at("@type"), t === "" ? `required (${typeUrl})` : `${t} not supported by the local runner (expected ${typeUrl})`);
  return false;
}
