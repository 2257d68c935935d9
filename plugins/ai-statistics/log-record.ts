// The access-log record written to filter state (`wasm.ai_log`): one JSON object built by
// appending members, e.g. {"model":"gpt-4o","input_token":12,...,"anomalies":["slow"]}.
// Higress's access-log format wraps it in quotes ('{"ai_log":"%FILTER_STATE(wasm.ai_log:PLAIN)%"}'),
// so by default the text is JSON-escaped. Pure.
import { jsonQuote, jsonEscape } from "../shared/json-string";

export class LogRecord {
  private parts: string[] = [];
  private keys: string[] = [];

  /** true when `key` is new (the first value of a key wins: attributes are added first). */
  private claim(key: string): bool {
    if (this.keys.includes(key)) return false;
    this.keys.push(key);
    return true;
  }

  has(key: string): bool {
    return this.keys.includes(key);
  }

  str(key: string, value: string): LogRecord {
    if (this.claim(key)) this.parts.push(jsonQuote(key) + ":" + jsonQuote(value));
    return this;
  }

  /** Adds the string only when non-empty. */
  strIf(key: string, value: string): LogRecord {
    if (value.length > 0) this.str(key, value);
    return this;
  }

  int(key: string, value: i64): LogRecord {
    if (this.claim(key)) this.parts.push(jsonQuote(key) + ":" + value.toString());
    return this;
  }

  bool(key: string, value: bool): LogRecord {
    if (this.claim(key)) this.parts.push(jsonQuote(key) + ":" + (value ? "true" : "false"));
    return this;
  }

  strings(key: string, values: string[]): LogRecord {
    const q = new Array<string>();
    for (let i = 0; i < values.length; i++) q.push(jsonQuote(values[i]));
    if (this.claim(key)) this.parts.push(jsonQuote(key) + ":[" + q.join(",") + "]");
    return this;
  }

  get size(): i32 {
    return this.parts.length;
  }

  json(): string {
    return "{" + this.parts.join(",") + "}";
  }

  /** The text stored in filter state. */
  render(escaped: bool): string {
    const j = this.json();
    return escaped ? jsonEscape(j) : j;
  }
}

/** Cuts `v` to `limit` characters (never inside a surrogate pair). */
export function limitLength(v: string, limit: i32): string {
  if (v.length <= limit) return v;
  let n = limit;
  const c = v.charCodeAt(n - 1);
  if (c >= 0xd800 && c <= 0xdbff) n--;
  return v.substring(0, n);
}
