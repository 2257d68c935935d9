// Higress `customSettings`: request body parameters a provider fills in or overrides.
//   {name, value, mode: "auto" | "raw" (auto), overwrite: bool (true)}
// They are set on the client's body before any conversion (as Higress does), so in `auto` mode
// the name is the one of the body's own protocol, from Higress's table:
//   name         openai       claude       gemini           qwen
//   max_tokens   max_tokens   max_tokens   maxOutputTokens  max_tokens
//   temperature  temperature  temperature  temperature      temperature
//   top_p        top_p        top_p        topP             top_p
//   top_k        -            top_k        topK             -
//   seed         seed         -            -                seed
// An OpenAI body converted for Gemini or Anthropic then carries the value to the provider's own
// field (max_tokens -> generationConfig.maxOutputTokens). With `protocol: original` the body is
// the provider's own: the provider type's column, under `parameters.` for qwen and
// `generation_config.` for gemini (Higress's paths); OpenAI-compatible types use the openai
// column. A name the table has no entry for is skipped in auto mode (a warning at configure);
// `raw` sets the dotted path as written. Pure: no host calls.
import { JSON } from "json-as";
import { JsonFields, fieldPath, indexPath } from "../shared/json-fields";
import { jsonQuote } from "../shared/json-string";
import { setJsonPath } from "./json-set-path";

/** The columns of the auto table. */
export const enum SettingColumn {
  OpenAI = 0,
  Claude = 1,
  Gemini = 2,
  Qwen = 3,
}

const NAMES: string[] = ["max_tokens", "temperature", "top_p", "top_k", "seed"];
// One row per name, one entry per column ("" = that protocol has no such parameter).
const TABLE: string[][] = [
  ["max_tokens", "max_tokens", "maxOutputTokens", "max_tokens"],
  ["temperature", "temperature", "temperature", "temperature"],
  ["top_p", "top_p", "topP", "top_p"],
  ["", "top_k", "topK", ""],
  ["seed", "", "", "seed"],
];

export class CustomSetting {
  name: string = "";
  /** the value as JSON text */
  raw: string = "";
  auto: bool = true;
  overwrite: bool = true;

  /** The dotted path this setting writes in a body of `column` (prefix for original bodies), or
   *  null when auto mode has no entry there. */
  pathFor(column: SettingColumn, prefix: string): string[] | null {
    let name = this.name;
    if (this.auto) {
      const row = NAMES.indexOf(name);
      if (row < 0) return null;
      name = TABLE[row][<i32>column];
      if (name.length == 0) return null;
    }
    return (prefix + name).split(".");
  }
}

export function parseCustomSettings(f: JsonFields, obj: JSON.Obj, path: string, warnings: string[]): CustomSetting[] {
  const out = new Array<CustomSetting>();
  const list = f.arr(obj, "customSettings", path);
  if (list === null) return out;
  const lp = fieldPath(path, "customSettings");
  for (let i = 0; i < list.length; i++) {
    const so = f.itemObj(list, i, lp);
    if (so === null) continue;
    const sp = indexPath(lp, i);
    const s = new CustomSetting();
    if (!f.require(so, "name", sp) || !f.require(so, "value", sp)) continue;
    s.name = f.str(so, "name", sp, "");
    if (s.name.length == 0) f.fail(fieldPath(sp, "name"), "must not be empty");
    s.raw = rawJson(so.get("value")!);
    const mode = f.str(so, "mode", sp, "auto");
    if (mode == "raw") s.auto = false;
    else if (mode != "auto") f.fail(fieldPath(sp, "mode"), "expected \"auto\" or \"raw\"");
    s.overwrite = f.bool(so, "overwrite", sp, true);
    if (s.auto && NAMES.indexOf(s.name) < 0) {
      warnings.push(fieldPath(sp, "name") + ": '" + s.name + "' is not one of " + NAMES.join(", ") + " (set mode \"raw\" to write it as is); ignored");
      continue;
    }
    for (let k = 0; k < s.name.split(".").length; k++) {
      if (s.name.split(".")[k].length == 0) f.fail(fieldPath(sp, "name"), "empty path segment");
    }
    out.push(s);
  }
  return out;
}

/** The body text with every setting applied, or null when none changed it. */
export function applyCustomSettings(text: string, settings: CustomSetting[], column: SettingColumn, prefix: string): string | null {
  let cur = text;
  let changed = false;
  for (let i = 0; i < settings.length; i++) {
    const p = settings[i].pathFor(column, prefix);
    if (p === null) continue;
    const next = setJsonPath(cur, p, settings[i].raw, settings[i].overwrite);
    if (next === null) continue;
    cur = next;
    changed = true;
  }
  return changed ? cur : null;
}

/** A config value back as compact JSON text (integers without a fraction). */
export function rawJson(v: JSON.Value): string {
  if (v.type == JSON.Types.String) return jsonQuote(v.get<string>());
  if (v.type == JSON.Types.Bool) return v.get<bool>() ? "true" : "false";
  if (v.type == JSON.Types.Null) return "null";
  if (v.type == JSON.Types.Array) {
    const a = v.get<JSON.Arr>();
    let s = "[";
    for (let i = 0; i < a.length; i++) s += (i > 0 ? "," : "") + rawJson(a.at(i));
    return s + "]";
  }
  if (v.type == JSON.Types.Object) {
    const o = v.get<JSON.Obj>();
    const keys = o.keys();
    let s = "{";
    for (let i = 0; i < keys.length; i++) s += (i > 0 ? "," : "") + jsonQuote(keys[i]) + ":" + rawJson(o.get(keys[i])!);
    return s + "}";
  }
  const n = v.get<f64>();
  if (n == Math.floor(n) && Math.abs(n) < 9007199254740992.0) return (<i64>n).toString();
  return n.toString();
}
