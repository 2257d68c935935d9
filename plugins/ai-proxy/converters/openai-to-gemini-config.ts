// The settings half of an OpenAI -> Gemini request (see openai-to-gemini.ts for the whole mapping):
// systemInstruction from system/developer messages, toolConfig from tool_choice, and
// generationConfig from the sampling and limit fields.
import { K_OBJ, K_ARR, K_STR, K_NUM } from "./json-tape";
import { Reader } from "./reader";
import { ROLE_SYSTEM } from "./openai-request-parts";

/** `,"systemInstruction":{"parts":[{"text":..},..]}` from every system/developer message, if any. */
export function writeSystemParts(r: Reader, msgs: i32, roles: Array<i32>): bool {
  const d = r.doc;
  const o = r.out;
  const mark = o.len;
  o.str(',"systemInstruction":{"parts":[');
  const partsAt = o.len;
  let i = 0;
  for (let m = d.first(msgs); m < d.after(msgs); m = d.after(m)) {
    if (roles[i] == ROLE_SYSTEM) {
      r.enter("messages", i);
      const c = r.member(m, "content");
      if (d.kind(c) == K_STR) {
        r.field('{"text":', c);
        o.str("},");
      } else if (d.kind(c) == K_ARR) {
        let j = 0;
        for (let p = d.first(c); p < d.after(c); p = d.after(p)) {
          const t = d.get(p, "text");
          if (!d.strIs(d.get(p, "type"), "text") || d.kind(t) != K_STR) {
            r.enter("content", j);
            return r.fail("", "expected a text part");
          }
          r.field('{"text":', t);
          o.str("},");
          j++;
        }
      } else return r.wrong("content", "string or array", c < 0 ? m : c);
      r.leave();
    }
    i++;
  }
  if (o.len == partsAt) o.setLength(mark);
  else o.dropLast(0x2c).str("]}");
  return true;
}

/** `,"toolConfig":{"functionCallingConfig":{..}}` from tool_choice, if given. */
export function writeToolConfig(r: Reader): bool {
  const d = r.doc;
  const o = r.out;
  const tc = r.member(0, "tool_choice");
  if (tc < 0) return true;
  if (d.kind(tc) == K_STR) {
    let mode = "";
    if (d.strIs(tc, "auto")) mode = "AUTO";
    else if (d.strIs(tc, "none")) mode = "NONE";
    else if (d.strIs(tc, "required")) mode = "ANY";
    else return r.fail("tool_choice", "expected \"auto\", \"none\", \"required\" or an object");
    o.str(',"toolConfig":{"functionCallingConfig":{"mode":"').str(mode).str('"}}');
    return true;
  }
  if (d.kind(tc) != K_OBJ) return r.wrong("tool_choice", "string or object", tc);
  r.enter("tool_choice");
  const fn = r.req(tc, "function", K_OBJ);
  if (fn < 0) return false;
  r.enter("function");
  const name = r.req(fn, "name", K_STR);
  if (name < 0) return false;
  r.leave();
  r.leave();
  o.str(',"toolConfig":{"functionCallingConfig":{"mode":"ANY","allowedFunctionNames":[');
  r.copy(name);
  o.str("]}}");
  return true;
}

// `"<gemini>":<raw number>,` for an optional numeric member.
function num(r: Reader, key: string, gemini: string): bool {
  const t = r.opt(0, key, K_NUM);
  if (t == -2) return false;
  if (t >= 0) {
    r.out.ch(0x22).str(gemini).str('":');
    r.copy(t);
    r.out.ch(0x2c);
  }
  return true;
}

/** `,"generationConfig":{..}` from the sampling, limit, stop and format fields (omitted when none). */
export function writeGenerationConfig(r: Reader): bool {
  const d = r.doc;
  const o = r.out;
  const mark = o.len;
  o.str(',"generationConfig":{');
  const fieldsAt = o.len;
  if (!num(r, "temperature", "temperature") || !num(r, "top_p", "topP")) return false;
  if (!num(r, "seed", "seed") || !num(r, "presence_penalty", "presencePenalty") || !num(r, "frequency_penalty", "frequencyPenalty")) return false;
  let max = r.optPositiveInt(0, "max_completion_tokens");
  if (max == -1) max = r.optPositiveInt(0, "max_tokens");
  if (max == -2) return false;
  if (max > 0) o.str('"maxOutputTokens":').int(max).ch(0x2c);
  const n = r.optPositiveInt(0, "n");
  if (n == -2) return false;
  if (n > 0) o.str('"candidateCount":').int(n).ch(0x2c);
  const stop = r.member(0, "stop");
  if (stop >= 0) {
    if (d.kind(stop) == K_STR) {
      o.str('"stopSequences":[');
      r.copy(stop);
      o.str("],");
    } else if (d.kind(stop) == K_ARR) {
      if (!r.allStrings(stop, "stop")) return false;
      if (d.size(stop) > 0) {
        r.field('"stopSequences":', stop);
        o.ch(0x2c);
      }
    } else return r.wrong("stop", "string or array", stop);
  }
  const rf = r.opt(0, "response_format", K_OBJ);
  if (rf == -2) return false;
  if (rf >= 0) {
    r.enter("response_format");
    const ty = r.req(rf, "type", K_STR);
    if (ty < 0) return false;
    if (d.strIs(ty, "json_object")) o.str('"responseMimeType":"application/json",');
    else if (d.strIs(ty, "json_schema")) {
      const js = r.req(rf, "json_schema", K_OBJ);
      if (js < 0) return false;
      o.str('"responseMimeType":"application/json",');
      r.enter("json_schema");
      const schema = r.opt(js, "schema", K_OBJ);
      if (schema == -2) return false;
      r.leave();
      if (schema >= 0) {
        r.field('"responseJsonSchema":', schema);
        o.ch(0x2c);
      }
    } else if (!d.strIs(ty, "text")) return r.fail("type", "expected text, json_object or json_schema");
    r.leave();
  }
  if (o.len == fieldsAt) o.setLength(mark);
  else o.dropLast(0x2c).ch(0x7d);
  return true;
}
