import { sseEvent, sseData, SSE_DONE, sseEventBytes } from "../sse-writer";
import { SseParser } from "../sse-parser";

describe("sse-writer", () => {
  it("frames events", () => {
    expect(sseEvent("message_stop", '{"type":"message_stop"}')).toBe('event: message_stop\ndata: {"type":"message_stop"}\n\n');
    expect(sseData("{}")).toBe("data: {}\n\n");
    expect(sseEvent("", "x")).toBe("data: x\n\n");
    expect(SSE_DONE).toBe("data: [DONE]\n\n");
  });
  it("splits line breaks into data lines that parse back", () => {
    const s = sseEvent("e", "a\nb\r\nc\rd");
    expect(s).toBe("event: e\ndata: a\ndata: b\ndata: c\ndata: d\n\n");
    const p = new SseParser();
    p.push(sseEventBytes("e", "a\nb"));
    const ev = p.next()!;
    expect(ev.event).toBe("e");
    expect(ev.data).toBe("a\nb");
  });
});
