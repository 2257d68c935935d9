// Higress `modelMapping`: the model name a client asked for -> the one sent upstream.
// Order (Higress provider.go doGetMappedModel): exact key; then, in config order, `prefix*` keys
// and `~regex` keys (the regex result is Go's ReplaceAllString(model, value), so `$1` works);
// then the `*` catch-all. A mapped value of "" keeps the original name. Unmatched names pass
// unchanged. Go iterates its map in random order; config order here makes overlaps predictable.
import { Regex } from "./regex";

const KIND_PREFIX: i32 = 1;
const KIND_REGEX: i32 = 2;

class Rule {
  constructor(public kind: i32, public key: string, public value: string, public re: Regex | null) {}
}

export class ModelMapping {
  private exact: Map<string, string> = new Map<string, string>();
  private rules: Rule[] = [];
  private hasDefault: bool = false;
  private defaultValue: string = "";

  get isEmpty(): bool {
    return this.exact.size == 0 && this.rules.length == 0 && !this.hasDefault;
  }

  /** Adds one config entry; returns an error message (without the field path) or null. */
  add(key: string, value: string): string | null {
    if (key == "*") {
      this.hasDefault = true;
      this.defaultValue = value;
    } else if (key.startsWith("~")) {
      const re = Regex.compile(key.substring(1));
      if (re.error !== null) return "invalid regular expression: " + re.error!;
      this.rules.push(new Rule(KIND_REGEX, key, value, re));
    } else if (key.length > 1 && key.endsWith("*")) {
      this.rules.push(new Rule(KIND_PREFIX, key.substring(0, key.length - 1), value, null));
    } else {
      this.exact.set(key, value);
    }
    return null;
  }

  /** The upstream model name for `model`. */
  map(model: string): string {
    const mapped = this.lookup(model);
    return mapped.length == 0 ? model : mapped;
  }

  /** The mapped value, or "" when nothing matched (or the match says "keep"). */
  private lookup(model: string): string {
    if (this.exact.has(model)) return this.exact.get(model);
    for (let i = 0; i < this.rules.length; i++) {
      const r = unchecked(this.rules[i]);
      if (r.kind == KIND_PREFIX) {
        if (model.startsWith(r.key)) return r.value;
      } else {
        const re = r.re!;
        if (re.test(model)) return re.replaceAll(model, r.value);
      }
    }
    return this.hasDefault ? this.defaultValue : "";
  }
}
