import { SseParser, SseEvent } from "../sse-parser";

function bytes(s: string): ArrayBuffer {
  return String.UTF8.encode(s);
}

/** Feeds `chunks` and collects "event|data|id" strings (finish included). */
function collect(p: SseParser, chunks: ArrayBuffer[]): string[] {
  const out = new Array<string>();
  for (let i = 0; i < chunks.length; i++) {
    p.push(chunks[i]);
    let ev = p.next();
    while (ev !== null) {
      out.push(fmt(ev));
      ev = p.next();
    }
  }
  let ev = p.finish();
  while (ev !== null) {
    out.push(fmt(ev));
    ev = p.finish();
  }
  return out;
}

function fmt(ev: SseEvent): string {
  return ev.event + "|" + ev.data + "|" + ev.id;
}

function slice(buf: ArrayBuffer, a: i32, b: i32): ArrayBuffer {
  return buf.slice(a, b);
}

function same(a: string[], b: string[]): bool {
  if (a.length != b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] != b[i]) return false;
  return true;
}

const ANTHROPIC =
  "event: message_start\r\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_1\",\"usage\":{\"input_tokens\":25,\"output_tokens\":1}}}\r\n\r\n" +
  ": keep-alive comment\n\n" +
  "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"delta\":{\"type\":\"text_delta\",\"text\":\"h\u00e9llo \u4e16\u754c \ud83d\ude00\"}}\n\n" +
  "event: ping\rdata: {\"type\": \"ping\"}\r\r" +
  "id: 7\nevent: message_delta\ndata: {\"type\":\"message_delta\",\ndata: \"usage\":{\"output_tokens\":15}}\nretry: 100\n\n" +
  "event: message_stop\ndata:{\"type\":\"message_stop\"}\n\n";

describe("SseParser", () => {
  it("parses events with LF, CRLF and CR, comments, multi-line data", () => {
    const out = collect(new SseParser(), [bytes(ANTHROPIC)]);
    expect(out.length).toBe(5);
    expect(out[0]).toBe('message_start|{"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":25,"output_tokens":1}}}|');
    expect(out[1]).toBe('content_block_delta|{"type":"content_block_delta","delta":{"type":"text_delta","text":"h\u00e9llo \u4e16\u754c \ud83d\ude00"}}|');
    expect(out[2]).toBe('ping|{"type": "ping"}|');
    expect(out[3]).toBe('message_delta|{"type":"message_delta",\n"usage":{"output_tokens":15}}|7');
    expect(out[4]).toBe('message_stop|{"type":"message_stop"}|');
  });

  it("yields identical events for a cut at every byte boundary", () => {
    const all = bytes(ANTHROPIC);
    const whole = collect(new SseParser(), [all]);
    for (let cut = 0; cut <= all.byteLength; cut++) {
      const got = collect(new SseParser(), [slice(all, 0, cut), slice(all, cut, all.byteLength)]);
      if (!same(got, whole)) {
        log<string>("differs at cut " + cut.toString());
        expect(same(got, whole)).toBe(true);
      }
    }
  });

  it("yields identical events for two cuts and for byte-at-a-time feeding", () => {
    const all = bytes(ANTHROPIC);
    const whole = collect(new SseParser(), [all]);
    const n = all.byteLength;
    for (let a = 0; a <= n; a += 7) {
      for (let b = a; b <= n; b += 5) {
        const got = collect(new SseParser(), [slice(all, 0, a), slice(all, a, b), slice(all, b, n)]);
        expect(same(got, whole)).toBe(true);
      }
    }
    const ones = new Array<ArrayBuffer>();
    for (let i = 0; i < n; i++) ones.push(slice(all, i, i + 1));
    expect(same(collect(new SseParser(1 << 20, 4), ones), whole)).toBe(true);
  });

  it("several events per chunk, tail kept, memory bounded to the tail", () => {
    const p = new SseParser();
    p.push(bytes("data: a\n\ndata: b\n\ndata: c"));
    expect(p.next()!.data).toBe("a");
    expect(p.next()!.data).toBe("b");
    expect(p.next()).toBeNull();
    expect(p.pendingBytes).toBe(7);
    p.push(bytes("\n\n"));
    expect(p.next()!.data).toBe("c");
    expect(p.pendingBytes).toBe(0);
  });

  it("OpenAI stream with [DONE], no final blank line", () => {
    const out = collect(new SseParser(), [bytes('data: {"x":1}\n\ndata: [DONE]')]);
    expect(out.length).toBe(2);
    expect(out[1]).toBe("|[DONE]|");
  });

  it("CR at the end of a chunk then LF is one line end", () => {
    const p = new SseParser();
    p.push(bytes("data: a\r"));
    expect(p.next()).toBeNull();
    p.push(bytes("\n\r"));
    expect(p.next()!.data).toBe("a");
    p.push(bytes("\ndata: b\r\n\r\n"));
    expect(p.next()!.data).toBe("b");
  });

  it("strips a UTF-8 BOM split across chunks; no-data events are not dispatched", () => {
    const bom = new Uint8Array(2);
    bom[0] = 0xef;
    bom[1] = 0xbb;
    const p = new SseParser();
    p.push(bom.buffer);
    expect(p.next()).toBeNull();
    p.push(bytes("\ufeff").slice(2));
    p.push(bytes("event: x\n\ndata\n\ndata:z\n\n"));
    const ev = p.next()!;
    expect(ev.event).toBe("");
    expect(ev.data).toBe("");
    expect(p.next()!.data).toBe("z");
  });

  it("drops an over-long line with its event and keeps going", () => {
    const p = new SseParser(32, 8);
    let big = "data: ";
    for (let i = 0; i < 100; i++) big += "x";
    p.push(bytes(big.substring(0, 50)));
    expect(p.next()).toBeNull();
    expect(p.pendingBytes).toBe(0);
    p.push(bytes(big.substring(50) + "\n\ndata: ok\n\n"));
    expect(p.next()!.data).toBe("ok");
    expect(p.droppedEvents).toBe(1);
  });

  it("does not re-scan: many small pushes of one long line stay linear", () => {
    const p = new SseParser();
    p.push(bytes("data: "));
    for (let i = 0; i < 20000; i++) {
      p.push(bytes("y"));
      expect(p.next()).toBeNull();
    }
    p.push(bytes("\n\n"));
    expect(p.next()!.data.length).toBe(20000);
  });
});
