// Parses one rule: a Higress rule_items entry, global_threshold, or a native `rules` entry (the
// same limit_by_* / limit_keys fields plus an optional `match` and limits directly on the rule).
//   limit_by_{header,param,cookie}: <name>   limit_by_consumer: ""   limit_by_model: ""
//     -> limit_keys[].key is an exact value
//   limit_by_per_{header,param,cookie}: <name>   limit_by_per_consumer: ""   limit_by_per_model: ""
//     -> limit_keys[].key is "*" or "regexp:<re>"; each value gets its own counter
//   limit_by_per_ip: "from-remote-addr" | "from-header-<name>"
//     -> limit_keys[].key is an IP or CIDR block; each client IP gets its own counter
//   none of them (native rules, global_threshold) -> one counter for every request that matches
// In limit_keys the first matching entry wins (Higress). Limits written on a native rule itself
// act as a last "*" entry: a fallback for values no limit_keys entry matched.
import { JSON } from "json-as";
import { JsonFields, fieldPath, indexPath } from "../shared/json-fields";
import { compileRegex } from "./regex/vm";
import { parseCidr } from "./ip";
import { KeySource, ItemKind, KeyItem, Rule, RequestMatch, HeaderMatch, ModelPattern } from "./config-types";
import { parseItemLimits, WindowShape, LIMIT_FIELDS } from "./config-limits";

class SourceField {
  constructor(public name: string, public source: KeySource, public perValue: bool, public needsName: bool) {}
}

const SOURCE_FIELDS: SourceField[] = [
  new SourceField("limit_by_header", KeySource.Header, false, true),
  new SourceField("limit_by_param", KeySource.Param, false, true),
  new SourceField("limit_by_consumer", KeySource.Consumer, false, false),
  new SourceField("limit_by_cookie", KeySource.Cookie, false, true),
  new SourceField("limit_by_model", KeySource.Model, false, false),
  new SourceField("limit_by_per_header", KeySource.Header, true, true),
  new SourceField("limit_by_per_param", KeySource.Param, true, true),
  new SourceField("limit_by_per_consumer", KeySource.Consumer, true, false),
  new SourceField("limit_by_per_cookie", KeySource.Cookie, true, true),
  new SourceField("limit_by_per_ip", KeySource.Ip, true, false),
  new SourceField("limit_by_per_model", KeySource.Model, true, false),
];

export function ruleFields(): string[] {
  const out = LIMIT_FIELDS.slice(0);
  for (let i = 0; i < SOURCE_FIELDS.length; i++) out.push(SOURCE_FIELDS[i].name);
  out.push("limit_keys");
  return out;
}

const ITEM_FIELDS: string[] = LIMIT_FIELDS.concat(["key"]);
const MATCH_FIELDS: string[] = ["path", "path_prefix", "path_regex", "methods", "models", "headers"];
const HEADER_MATCH_FIELDS: string[] = ["name", "exact", "prefix", "suffix", "contains", "regex", "present", "invert"];

/** Reads which limit_by_* field the rule uses; false on error. A rule with none is global. */
function parseSource(f: JsonFields, obj: JSON.Obj, path: string, rule: Rule): bool {
  let found: SourceField | null = null;
  for (let i = 0; i < SOURCE_FIELDS.length; i++) {
    const s = SOURCE_FIELDS[i];
    if (!obj.has(s.name)) continue;
    if (found !== null) {
      f.fail(fieldPath(path, s.name), "only one limit_by_* field per rule (also has " + found.name + ")");
      return false;
    }
    found = s;
    const value = f.str(obj, s.name, path, "");
    if (f.error !== null) return false;
    rule.source = s.source;
    rule.perValue = s.perValue;
    if (s.needsName) {
      if (value.length == 0) {
        f.fail(fieldPath(path, s.name), "must name the " + (s.source == KeySource.Param ? "query parameter" : s.source == KeySource.Cookie ? "cookie" : "header"));
        return false;
      }
      rule.sourceName = s.source == KeySource.Header ? value.toLowerCase() : value;
    }
    if (s.source == KeySource.Ip) {
      if (value == "from-remote-addr") {
        rule.ipHeader = "";
      } else if (value.startsWith("from-header-") && value.length > 12) {
        rule.ipHeader = value.substring(12).toLowerCase();
      } else {
        f.fail(fieldPath(path, s.name), "expected \"from-remote-addr\" or \"from-header-<name>\"");
        return false;
      }
      rule.sourceName = value;
    }
  }
  return true;
}

/** Reads limit_keys[i].key into item (kind, regex, CIDR) for the rule's source. */
function parseItemKey(f: JsonFields, obj: JSON.Obj, path: string, rule: Rule, item: KeyItem): bool {
  if (!f.require(obj, "key", path)) return false;
  // Higress configs often write numeric keys unquoted in YAML (key: 102234): accept numbers.
  const v = obj.get("key")!;
  let key: string;
  if (v.type == JSON.Types.String) key = v.get<string>();
  else if (v.type >= JSON.Types.U8 && v.type <= JSON.Types.F64) {
    const n = v.get<f64>();
    key = n == Math.floor(n) && Math.abs(n) < 1e15 ? (<i64>n).toString() : n.toString();
  } else {
    f.expected(fieldPath(path, "key"), "string", v);
    return false;
  }
  const keyPath = fieldPath(path, "key");
  if (key.length == 0) {
    f.fail(keyPath, "must not be empty");
    return false;
  }
  item.key = key;
  if (rule.source == KeySource.Ip) {
    if (key == "*") {
      item.kind = ItemKind.All;
      return true;
    }
    const c = parseCidr(key);
    if (c.error !== null) {
      f.fail(keyPath, c.error!);
      return false;
    }
    item.kind = ItemKind.Cidr;
    item.cidr = c.cidr;
    return true;
  }
  if (!rule.perValue) {
    item.kind = ItemKind.Exact;
    return true;
  }
  if (key == "*") {
    item.kind = ItemKind.All;
    return true;
  }
  if (key.startsWith("regexp:")) {
    const re = compileRegex(key.substring(7));
    if (re.error !== null) {
      f.fail(keyPath, "invalid regexp: " + re.error!);
      return false;
    }
    item.kind = ItemKind.Regex;
    item.regex = re;
    return true;
  }
  f.fail(keyPath, "limit_by_per_* keys must be \"*\" or start with \"regexp:\" (got \"" + key + "\")");
  return false;
}

function parseHeaderMatch(f: JsonFields, obj: JSON.Obj, path: string): HeaderMatch | null {
  f.rejectUnknown(obj, HEADER_MATCH_FIELDS, path);
  if (!f.require(obj, "name", path)) return null;
  const h = new HeaderMatch();
  h.name = f.str(obj, "name", path, "").toLowerCase();
  if (f.present(obj, "exact")) h.exact = f.str(obj, "exact", path, "");
  if (f.present(obj, "prefix")) h.prefix = f.str(obj, "prefix", path, "");
  if (f.present(obj, "suffix")) h.suffix = f.str(obj, "suffix", path, "");
  if (f.present(obj, "contains")) h.contains = f.str(obj, "contains", path, "");
  if (f.present(obj, "regex")) {
    const re = compileRegex(f.str(obj, "regex", path, ""));
    if (re.error !== null) f.fail(fieldPath(path, "regex"), "invalid regex: " + re.error!);
    h.regex = re;
  }
  if (f.present(obj, "present")) h.present = f.bool(obj, "present", path, true) ? 1 : 0;
  h.invert = f.bool(obj, "invert", path, false);
  if (f.error !== null) return null;
  return h;
}

function parseModelPattern(f: JsonFields, s: string, path: string): ModelPattern | null {
  const m = new ModelPattern();
  if (s == "*") m.any = true;
  else if (s.startsWith("regexp:")) {
    const re = compileRegex(s.substring(7));
    if (re.error !== null) {
      f.fail(path, "invalid regexp: " + re.error!);
      return null;
    }
    m.regex = re;
  } else if (s.endsWith("*")) m.prefix = s.substring(0, s.length - 1);
  else m.exact = s;
  return m;
}

export function parseMatch(f: JsonFields, obj: JSON.Obj, path: string): RequestMatch | null {
  f.rejectUnknown(obj, MATCH_FIELDS, path);
  const m = new RequestMatch();
  if (f.present(obj, "path")) m.pathExact = f.str(obj, "path", path, "");
  if (f.present(obj, "path_prefix")) m.pathPrefix = f.str(obj, "path_prefix", path, "");
  if (f.present(obj, "path_regex")) {
    const re = compileRegex(f.str(obj, "path_regex", path, ""));
    if (re.error !== null) f.fail(fieldPath(path, "path_regex"), "invalid regex: " + re.error!);
    m.pathRegex = re;
  }
  const methods = f.strings(obj, "methods", path);
  for (let i = 0; i < methods.length; i++) m.methods.push(methods[i].toUpperCase());
  const models = f.strings(obj, "models", path);
  for (let i = 0; i < models.length; i++) {
    const p = parseModelPattern(f, models[i], indexPath(fieldPath(path, "models"), i));
    if (p !== null) m.models.push(p);
  }
  const headers = f.arr(obj, "headers", path);
  if (headers !== null) {
    const hp = fieldPath(path, "headers");
    for (let i = 0; i < headers.length; i++) {
      const ho = f.itemObj(headers, i, hp);
      if (ho === null) break;
      const h = parseHeaderMatch(f, ho, indexPath(hp, i));
      if (h === null) break;
      m.headers.push(h);
    }
  }
  if (f.error !== null) return null;
  return m;
}

/**
 * Parses one rule object. `keyBase` namespaces its counters; `native` allows `match`, `name` and
 * limits on the rule itself; `requireSource` (Higress rule_items) demands a limit_by_* field.
 */
export function parseRule(f: JsonFields, obj: JSON.Obj, path: string, keyBase: string, shape: WindowShape, native: bool, requireSource: bool): Rule | null {
  const rule = new Rule();
  rule.path = path;
  if (!parseSource(f, obj, path, rule)) return null;
  const hasSource = rule.source != KeySource.Global;
  if (requireSource && !hasSource) {
    f.fail(path, "set one of limit_by_header, limit_by_param, limit_by_consumer, limit_by_cookie, limit_by_per_header, limit_by_per_param, limit_by_per_consumer, limit_by_per_cookie, limit_by_per_ip, limit_by_model, limit_by_per_model");
    return null;
  }
  if (native) {
    rule.name = f.str(obj, "name", path, "");
    const mo = f.obj(obj, "match", path);
    if (mo !== null) {
      rule.match = parseMatch(f, mo, fieldPath(path, "match"));
      if (rule.match === null) return null;
    }
  }
  const keys = f.arr(obj, "limit_keys", path);
  if (f.error !== null) return null;
  if (keys !== null && !hasSource) {
    f.fail(fieldPath(path, "limit_keys"), "needs a limit_by_* field to take the key from");
    return null;
  }
  if (keys !== null) {
    if (keys.length == 0) {
      f.fail(fieldPath(path, "limit_keys"), "must not be empty");
      return null;
    }
    const kp = fieldPath(path, "limit_keys");
    for (let i = 0; i < keys.length; i++) {
      const ip = indexPath(kp, i);
      const io = f.itemObj(keys, i, kp);
      if (io === null) return null;
      f.rejectUnknown(io, ITEM_FIELDS, ip);
      const item = new KeyItem();
      item.path = ip;
      if (!parseItemKey(f, io, ip, rule, item)) return null;
      if (!parseItemLimits(f, io, ip, keyBase + "." + i.toString(), shape, item)) return null;
      rule.items.push(item);
    }
  }
  // Limits on the rule itself: the only item of a global rule, else a fallback "*" item.
  let ownLimits = false;
  for (let i = 0; i < LIMIT_FIELDS.length; i++) if (LIMIT_FIELDS[i] != "limit_type" && obj.has(LIMIT_FIELDS[i])) ownLimits = true;
  if (ownLimits) {
    if (!native && hasSource) {
      f.fail(path, "limits of a limit_by_* rule go in limit_keys");
      return null;
    }
    if (hasSource && !rule.perValue) {
      f.fail(path, "limits on a limit_by_" + fieldSuffix(rule) + " rule need limit_keys (or use limit_by_per_" + fieldSuffix(rule) + ")");
      return null;
    }
    const item = new KeyItem();
    item.kind = ItemKind.All;
    item.key = "*";
    item.path = path;
    if (!parseItemLimits(f, obj, path, keyBase + ".d", shape, item)) return null;
    rule.items.push(item);
  }
  if (rule.items.length == 0) {
    f.fail(path, hasSource ? "limit_keys: required" : "set at least one of query_per_*, token_per_*, max_concurrency");
    return null;
  }
  if (f.error !== null) return null;
  return rule;
}

function fieldSuffix(rule: Rule): string {
  if (rule.source == KeySource.Header) return "header";
  if (rule.source == KeySource.Param) return "param";
  if (rule.source == KeySource.Consumer) return "consumer";
  if (rule.source == KeySource.Cookie) return "cookie";
  if (rule.source == KeySource.Model) return "model";
  return "ip";
}
