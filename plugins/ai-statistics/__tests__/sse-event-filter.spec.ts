import { SseEventFilter } from "../sse-event-filter";
import { SseParser } from "../../shared/sse-parser";

/** Data of the events `f` yields for `body` fed in chunks of `step` bytes (passAll as given). */
function filtered(body: string, step: i32, passAll: bool): string[] {
  const f = new SseEventFilter();
  f.passAll = passAll;
  const b = String.UTF8.encode(body);
  const out = new Array<string>();
  for (let i = 0; i < b.byteLength; i += step) {
    const n = min(step, b.byteLength - i);
    f.push(b.slice(i, i + n));
    let ev = f.next();
    while (ev !== null) {
      out.push(ev.event + "|" + ev.data);
      ev = f.next();
    }
  }
  let ev = f.finish();
  while (ev !== null) {
    out.push(ev.event + "|" + ev.data);
    ev = f.finish();
  }
  return out;
}

function parsed(body: string): string[] {
  const p = new SseParser();
  p.push(String.UTF8.encode(body));
  const out = new Array<string>();
  let ev = p.finish();
  while (ev !== null) {
    out.push(ev.event + "|" + ev.data);
    ev = p.finish();
  }
  return out;
}

const DELTA = 'data: {"choices":[{"delta":{"content":"hé"},"finish_reason":null}],"usage":null}';
const USAGE = 'data: {"choices":[],"usage":{"prompt_tokens":5}}';

describe("SSE event filter", () => {
  it("passAll: the same events as the parser at every chunk size and line end", () => {
    const ends = ["\n", "\r\n", "\r"];
    for (let e = 0; e < ends.length; e++) {
      const nl = ends[e];
      const body = "\ufeff: comment" + nl + "event: x" + nl + DELTA + nl + nl + "data: a" + nl + "data: b" + nl + nl + USAGE + nl + nl + "data: [DONE]" + nl + nl + "data: tail";
      const want = parsed(body);
      expect(want.length).toBe(5);
      for (let step = 1; step <= 9; step++) expect(filtered(body, step, true).join("\n")).toBe(want.join("\n"));
    }
  });
  it("skips events without markers, keeps the rest in order", () => {
    const nl = "\r\n";
    const body = DELTA + nl + nl + DELTA + nl + nl + 'data: {"choices":[{"delta":{},"finish_reason":"stop"}],"usage":null}' + nl + nl + USAGE + nl + nl + "data: [DONE]" + nl + nl;
    for (let step = 1; step <= 7; step++) {
      const got = filtered(body, step, false);
      expect(got.length).toBe(3);
      expect(got[0]).toBe('|{"choices":[{"delta":{},"finish_reason":"stop"}],"usage":null}');
      expect(got[1]).toBe("|" + USAGE.substring(6));
      expect(got[2]).toBe("|[DONE]");
    }
  });
  it("passes a long event on as it arrives and keeps what it holds bounded", () => {
    let text = "";
    for (let i = 0; i < 5000; i++) text += "word ";
    const long = 'data: {"choices":[{"delta":{"content":"' + text + '"}}],\r\ndata: "usage":{"prompt_tokens":1}}';
    const body = long + "\r\n\r\n" + USAGE + "\r\n\r\n";
    for (let step = 997; step <= 1000; step++) {
      const got = filtered(body, step, false);
      expect(got.length).toBe(2);
      expect(got[0].length).toBe(1 + long.length - 13); // two "data: " prefixes and a CRLF gone, one \n joins
      expect(got[1]).toBe("|" + USAGE.substring(6));
    }
  });
});
