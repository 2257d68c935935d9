// Test helper: runs an SSE transcript through a converter the way the plugin does (bytes -> shared
// SseParser -> converter.streamEvent -> one OutBuf), optionally cutting the bytes in two at `cut`,
// and compares SSE outputs event by event (data compared as JSON when it is JSON).
import { SseParser, SseEvent } from "../../../shared/sse-parser";
import { Converter, ConvertOptions, RequestResult, StreamState } from "../../converters/converter";
import { OutBuf } from "../../converters/out-buf";
import { jsonDiff } from "./json-diff";
import { JsonDoc } from "../../converters/json-tape";

const PROBE = new JsonDoc(64);

/** Converts a whole upstream transcript; cut > 0 splits its UTF-8 bytes into two pushes there. */
export function runStream(conv: Converter, req: RequestResult, opts: ConvertOptions, transcript: string, cut: i32 = 0): string {
  const st = conv.newStream(req, opts);
  const out = new OutBuf(1024);
  const p = new SseParser();
  const bytes = String.UTF8.encode(transcript);
  const n = bytes.byteLength;
  if (cut > 0 && cut < n) {
    p.pushBytes(changetype<usize>(bytes), cut);
    drain(p, conv, st, out, false);
    p.pushBytes(changetype<usize>(bytes) + <usize>cut, n - cut);
  } else p.push(bytes);
  drain(p, conv, st, out, false);
  drain(p, conv, st, out, true);
  conv.streamEnd(st, out);
  return out.toString();
}

function drain(p: SseParser, conv: Converter, st: StreamState, out: OutBuf, atEnd: bool): void {
  let ev = atEnd ? p.finish() : p.next();
  while (ev !== null) {
    conv.streamEvent(st, ev.event, ev.data, out);
    ev = atEnd ? p.finish() : p.next();
  }
}

/** Splits SSE text into events with the shared parser. */
export function sseEvents(text: string): SseEvent[] {
  const p = new SseParser();
  p.push(String.UTF8.encode(text));
  const list = new Array<SseEvent>();
  let ev = p.next();
  while (ev !== null) {
    list.push(ev);
    ev = p.next();
  }
  ev = p.finish();
  while (ev !== null) {
    list.push(ev);
    ev = p.finish();
  }
  return list;
}

/** "" when both transcripts hold the same events (names equal, data equal as JSON or as text). */
export function sseDiff(expected: string, actual: string): string {
  const a = sseEvents(expected);
  const b = sseEvents(actual);
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    const at = "event " + i.toString();
    if (x.event != y.event) return at + ": expected event name '" + x.event + "', got '" + y.event + "'";
    if (PROBE.parse(x.data)) {
      const d = jsonDiff(x.data, y.data);
      if (d.length > 0) return at + " (" + x.event + "): " + d;
    } else if (x.data != y.data) return at + ": expected data '" + x.data + "', got '" + y.data + "'";
  }
  if (a.length != b.length) {
    const extra = a.length > b.length ? "missing event " + n.toString() + ": " + a[n].data : "unexpected event " + n.toString() + ": " + b[n].data;
    return "expected " + a.length.toString() + " events, got " + b.length.toString() + "; " + extra;
  }
  return "";
}
