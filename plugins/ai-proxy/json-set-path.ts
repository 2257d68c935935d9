// Sets one member of a JSON object text by a dotted path ("generationConfig.thinkingConfig.
// thinkingBudget"), creating the objects on the way, and leaves every other byte as it was (the
// same edit sjson.SetRaw makes for Higress's customSettings). Used on request bodies the request
// phase already validated. Pure: no host calls.
import { skipWs, skipValue, JsonCursor } from "../shared/json-scan";
import { jsonQuote } from "../shared/json-string";

const CURSOR = new JsonCursor();

/** `text` with `path` set to the raw JSON `raw`; with `overwrite` false an existing member is
 *  kept. Returns null when nothing changed or the text is not an object there. */
export function setJsonPath(text: string, path: string[], raw: string, overwrite: bool): string | null {
  return setIn(text, 0, text.length, path, 0, raw, overwrite);
}

function setIn(text: string, start: i32, end: i32, path: string[], depth: i32, raw: string, overwrite: bool): string | null {
  const c = CURSOR;
  if (!c.open(text, start, end)) return null;
  const objStart = skipWs(text, start, end);
  const key = path[depth];
  let empty = true;
  let found = false;
  let vs = 0;
  let ve = 0;
  while (c.next()) {
    empty = false;
    if (c.keyIs(key)) {
      found = true;
      vs = c.valueStart;
      ve = c.valueEnd;
    }
  }
  if (found) {
    if (depth == path.length - 1) {
      if (!overwrite) return null;
      return text.substring(0, vs) + raw + text.substring(ve);
    }
    // Descend into an object; anything else is replaced by the objects the path needs.
    if (text.charCodeAt(vs) == 0x7b) return setIn(text, vs, ve, path, depth + 1, raw, overwrite);
    return text.substring(0, vs) + nested(path, depth + 1, raw) + text.substring(ve);
  }
  // Append the member before the closing brace of this object.
  const close = skipValue(text, objStart, end) - 1;
  if (close < 0) return null;
  const member = jsonQuote(key) + ":" + nested(path, depth + 1, raw);
  return text.substring(0, close) + (empty ? "" : ",") + member + text.substring(close);
}

/** The value for path[depth..]: `raw` itself, or objects nesting it. */
function nested(path: string[], depth: i32, raw: string): string {
  let out = raw;
  for (let i = path.length - 1; i >= depth; i--) out = "{" + jsonQuote(path[i]) + ":" + out + "}";
  return out;
}
