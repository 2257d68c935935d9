import { StreamRelay, isErrorEvent, TRUNCATED_MESSAGE } from "../stream-relay";
import { Protocol } from "../api";
import { pickConverter, ConvertOptions } from "../converters/converter";
import { SseEvent } from "../../shared/sse-parser";

function same(p: Protocol): StreamRelay {
  return new StreamRelay(p, p, null, null, null);
}

function text(b: ArrayBuffer | null): string {
  return b === null ? "<same>" : String.UTF8.decode(b!);
}

function feed(r: StreamRelay, s: string, pieces: i32): string {
  const bytes = String.UTF8.encode(s);
  const step = <i32>Math.ceil(<f64>bytes.byteLength / <f64>pieces);
  let out = "";
  for (let i = 0; i < bytes.byteLength; i += step) {
    const end = min(i + step, bytes.byteLength);
    const res = r.push(bytes.slice(i, end));
    out += res === null ? String.UTF8.decode(bytes.slice(i, end)) : text(res);
  }
  return out + text(r.finish());
}

const OPENAI_OK = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"hi"}}]}\n\ndata: [DONE]\n\n';
const ANTHROPIC_OK =
  'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"usage":{"input_tokens":3,"output_tokens":0}}}\n\n' +
  'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
  'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}\n\n' +
  'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
  'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":1}}\n\n' +
  'event: message_stop\ndata: {"type":"message_stop"}\n\n';

describe("stream relay: same protocol", () => {
  it("passes bytes through and sees the end marker", () => {
    const r = same(Protocol.OpenAI);
    r.startCapture(10000);
    expect(feed(r, OPENAI_OK, 7)).toBe(OPENAI_OK);
    expect(r.completed).toBe(true);
    expect(r.clean).toBe(true);
    expect(String.UTF8.decode(r.captureBytes()!)).toBe(OPENAI_OK);
  });
  it("ends a cut OpenAI stream with an error event", () => {
    const r = same(Protocol.OpenAI);
    const out = feed(r, 'data: {"choices":[]}\n\n', 3);
    expect(out.includes('data: {"error":{"message":"' + TRUNCATED_MESSAGE)).toBe(true);
    expect(r.clean).toBe(false);
  });
  it("drops a half event before the error (LF, CRLF, CR; any chunking)", () => {
    const ends = ["\n", "\r\n", "\r"];
    for (let e = 0; e < ends.length; e++) {
      const nl = ends[e];
      const whole = "event: message_start" + nl + 'data: {"type":"message_start"}' + nl + nl;
      for (let pieces = 1; pieces < 9; pieces++) {
        const r = same(Protocol.Anthropic);
        const out = feed(r, whole + "event: content_block_delta" + nl + 'data: {"ty', pieces);
        expect(out.startsWith(whole + 'event: error\ndata: {"type":"error","error":{"type":"api_error"')).toBe(true);
        expect(out.includes("content_block_delta")).toBe(false);
      }
    }
  });
  it("drops an event one line end short of its blank line", () => {
    const r = same(Protocol.Anthropic);
    const out = feed(r, 'event: message_start\ndata: {"type":"message_start"}\n\nevent: content_block_start\ndata: false\n', 3);
    expect(out.startsWith('event: message_start\ndata: {"type":"message_start"}\n\nevent: error\ndata: {"type":"error"')).toBe(true);
    expect(out.includes("false")).toBe(false);
  });
  it("a last event without its blank line passes unchanged when the stream is complete", () => {
    const r = same(Protocol.OpenAI);
    const s = 'data: {"choices":[]}\r\n\r\ndata: [DONE]';
    expect(feed(r, s, 4)).toBe(s);
    expect(r.clean).toBe(true);
  });
  it("complete events pass byte for byte across CR LF split between chunks", () => {
    const s = 'data: {"a":1}\r\n\r\ndata: {"b":2}\r\r: ping\n\ndata: [DONE]\r\n\r\n';
    for (let pieces = 1; pieces < 20; pieces++) {
      const q = same(Protocol.OpenAI);
      expect(feed(q, s, pieces)).toBe(s);
      expect(q.clean).toBe(true);
    }
  });
  it("an upstream error event is the end, nothing appended", () => {
    const r = same(Protocol.Anthropic);
    const s = 'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"x"}}\n\n';
    expect(feed(r, s, 2)).toBe(s);
    expect(r.failed).toBe(true);
  });
  it("capture stops past its limit", () => {
    const r = same(Protocol.OpenAI);
    r.startCapture(10);
    feed(r, OPENAI_OK, 2);
    expect(r.captureBytes()).toBeNull();
  });
});

describe("stream relay: converted", () => {
  it("anthropic upstream -> openai client, any chunking", () => {
    const conv = pickConverter(Protocol.OpenAI, Protocol.Anthropic)!;
    const opts = new ConvertOptions();
    const req = conv.request('{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}', opts);
    for (let pieces = 1; pieces < 40; pieces += 13) {
      const r = new StreamRelay(Protocol.OpenAI, Protocol.Anthropic, conv, req, opts);
      const out = feed(r, ANTHROPIC_OK, pieces);
      expect(out.includes('"content":"Hello"')).toBe(true);
      expect(out.endsWith("data: [DONE]\n\n")).toBe(true);
      expect(r.clean).toBe(true);
    }
  });
  it("a cut converted stream ends with an error", () => {
    const conv = pickConverter(Protocol.OpenAI, Protocol.Anthropic)!;
    const opts = new ConvertOptions();
    const req = conv.request('{"model":"m","stream":true,"messages":[{"role":"user","content":"x"}]}', opts);
    const r = new StreamRelay(Protocol.OpenAI, Protocol.Anthropic, conv, req, opts);
    const out = feed(r, ANTHROPIC_OK.substring(0, 600), 3);
    expect(out.includes('"error"')).toBe(true);
    expect(out.includes("[DONE]")).toBe(false);
    expect(r.clean).toBe(false);
  });
});

describe("stream relay: error event detection", () => {
  it("recognises error data", () => {
    const e = new SseEvent();
    e.data = ' {"error":{"message":"x"}}';
    expect(isErrorEvent(e)).toBe(true);
    e.data = '{"id":"x","error":null}';
    expect(isErrorEvent(e)).toBe(false);
  });
});
