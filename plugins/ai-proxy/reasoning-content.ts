// Higress `reasoningContentMode`: what an OpenAI client gets of the `reasoning_content` that
// DeepSeek / Qwen-style upstreams put beside `content` (choices[].message, or choices[].delta
// when streaming):
//   passthrough  unchanged (default; the bytes are not touched)
//   ignore       the member is removed
//   concat       it moves into content as "<think>R</think>\nC" (Higress's tags); a stream's
//                first reasoning delta gets "<think>", the first content delta after reasoning
//                "</think>\n", so the joined deltas equal the whole-answer form.
// Edits are in place on the JSON text (json-scan slices); other bytes stay as they were. Pure.
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../shared/json-fields";
import { JsonCursor, skipWs, skipValue, sliceString, sliceInt } from "../shared/json-scan";
import { jsonQuote } from "../shared/json-string";

export const enum ReasoningMode {
  Passthrough = 0,
  Ignore = 1,
  Concat = 2,
}

export const THINK_START = "<think>";
export const THINK_END = "</think>";

/** Higress lower-cases the value and treats an unknown one as passthrough: so do we, with a warning. */
export function parseReasoningMode(f: JsonFields, obj: JSON.Obj, path: string, warnings: string[]): ReasoningMode {
  const v = f.str(obj, "reasoningContentMode", path, "passthrough").toLowerCase();
  if (v == "ignore") return ReasoningMode.Ignore;
  if (v == "concat") return ReasoningMode.Concat;
  if (v != "passthrough") warnings.push(fieldPath(path, "reasoningContentMode") + ": '" + v + "' is not passthrough, ignore or concat; passthrough is used");
  return ReasoningMode.Passthrough;
}

/** Per-stream state of concat: which choices already opened / closed their <think> block. */
export class ReasoningStream {
  opened: Array<i32> = new Array<i32>();
  closed: Array<i32> = new Array<i32>();
}

const C1 = new JsonCursor();
const C2 = new JsonCursor();

class Edit {
  constructor(public start: i32, public end: i32, public text: string) {}
}

/** A whole chat.completion body with the mode applied, or null when unchanged. */
export function editReasoningBody(body: string, mode: ReasoningMode): string | null {
  return editChoices(body, mode, "message", null);
}

/** One chat.completion.chunk (an SSE event's data) with the mode applied, or null when unchanged. */
export function editReasoningChunk(data: string, mode: ReasoningMode, st: ReasoningStream): string | null {
  return editChoices(data, mode, "delta", st);
}

function editChoices(s: string, mode: ReasoningMode, field: string, st: ReasoningStream | null): string | null {
  if (mode == ReasoningMode.Passthrough) return null;
  const c = C1;
  if (!c.open(s, 0, s.length)) return null;
  let cs = -1;
  let ce = -1;
  while (c.next()) {
    if (c.keyIs("choices")) {
      cs = c.valueStart;
      ce = c.valueEnd;
    }
  }
  if (cs < 0 || s.charCodeAt(cs) != 0x5b) return null;
  const edits = new Array<Edit>();
  let i = skipWs(s, cs + 1, ce);
  let pos = 0;
  while (i < ce && s.charCodeAt(i) == 0x7b) {
    const end = skipValue(s, i, ce);
    if (end < 0) break;
    editChoice(s, i, end, mode, field, st, pos, edits);
    pos++;
    i = skipWs(s, end, ce);
    if (i < ce && s.charCodeAt(i) == 0x2c) i = skipWs(s, i + 1, ce);
  }
  if (edits.length == 0) return null;
  // Edits were collected front to back and never overlap: apply from the back.
  let out = s;
  for (let k = edits.length - 1; k >= 0; k--) out = out.substring(0, edits[k].start) + edits[k].text + out.substring(edits[k].end);
  return out;
}

/** Collects the edits of the choice object at s[i, end). */
function editChoice(s: string, i: i32, end: i32, mode: ReasoningMode, field: string, st: ReasoningStream | null, pos: i32, edits: Edit[]): void {
  const c = C2;
  if (!c.open(s, i, end)) return;
  let ms = -1;
  let me = -1;
  let index = pos;
  while (c.next()) {
    if (c.keyIs(field)) {
      ms = c.valueStart;
      me = c.valueEnd;
    } else if (c.keyIs("index")) index = <i32>sliceInt(s, c.valueStart, c.valueEnd);
  }
  if (ms < 0 || s.charCodeAt(ms) != 0x7b) return;
  // The message / delta members: reasoning_content and content, with their member spans.
  if (!c.open(s, ms, me)) return;
  let rMember = -1; // start of the `"reasoning_content"` key (its quote), or the comma before it
  let rEnd = -1;
  let rs = -1;
  let re = -1;
  let cvs = -1;
  let cve = -1;
  let prevEnd = -1; // end of the previous member's value (-1: none)
  while (c.next()) {
    if (c.keyIs("reasoning_content")) {
      rs = c.valueStart;
      re = c.valueEnd;
      rMember = prevEnd >= 0 ? prevEnd : c.keyStart - 1;
      rEnd = c.valueEnd;
      if (prevEnd < 0) {
        // First member: take the comma after it instead.
        const k = skipWs(s, rEnd, me);
        if (k < me && s.charCodeAt(k) == 0x2c) rEnd = skipWs(s, k + 1, me);
      }
    } else if (c.keyIs("content")) {
      cvs = c.valueStart;
      cve = c.valueEnd;
    }
    prevEnd = c.valueEnd;
  }
  if (rs < 0) {
    // Concat stream: a content delta without a reasoning member still closes an open block.
    if (st !== null && mode == ReasoningMode.Concat && cvs >= 0 && st.opened.includes(index) && !st.closed.includes(index)) {
      const cText = sliceString(s, cvs, cve);
      if (cText !== null && cText.length > 0) {
        st.closed.push(index);
        edits.push(new Edit(cvs, cve, jsonQuote(THINK_END + "\n" + cText)));
      }
    }
    return;
  }
  const rText = sliceString(s, rs, re);
  const reasoning = rText === null ? "" : rText;
  if (mode == ReasoningMode.Concat) {
    const cText = cvs >= 0 ? sliceString(s, cvs, cve) : null;
    const content = cText === null ? "" : cText;
    let merged: string;
    if (st === null) merged = reasoning.length > 0 ? THINK_START + reasoning + THINK_END + "\n" + content : content;
    else {
      merged = "";
      if (reasoning.length > 0 && !st.closed.includes(index)) {
        if (!st.opened.includes(index)) {
          merged = THINK_START;
          st.opened.push(index);
        }
        merged += reasoning;
      }
      if (content.length > 0) {
        if (st.opened.includes(index) && !st.closed.includes(index)) merged += THINK_END + "\n";
        if (!st.closed.includes(index)) st.closed.push(index);
        merged += content;
      }
    }
    const changed = merged != content || (cText === null && merged.length > 0);
    if (changed) {
      if (cvs >= 0) {
        if (cvs < rs) edits.push(new Edit(cvs, cve, jsonQuote(merged)));
        edits.push(new Edit(rMember, rEnd, ""));
        if (cvs > rs) edits.push(new Edit(cvs, cve, jsonQuote(merged)));
        return;
      }
      // No content member: the reasoning member becomes it.
      edits.push(new Edit(keyQuoteBefore(s, rs), re, '"content":' + jsonQuote(merged)));
      return;
    }
  }
  edits.push(new Edit(rMember, rEnd, ""));
}

/** The index of the opening quote of the key whose value starts at `valueStart`. */
function keyQuoteBefore(s: string, valueStart: i32): i32 {
  let k = valueStart - 1;
  while (k > 0 && s.charCodeAt(k) != 0x3a) k--; // the colon
  k--;
  while (k > 0 && s.charCodeAt(k) != 0x22) k--; // the key's closing quote
  k--;
  while (k > 0 && s.charCodeAt(k) != 0x22) k--; // its opening quote (keys here have no escapes)
  return k;
}
