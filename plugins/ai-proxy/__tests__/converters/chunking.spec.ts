// Chunking property: an upstream SSE transcript cut in two at EVERY byte boundary (and fed one byte
// at a time) through the shared SseParser gives exactly the same client output as the whole
// transcript. Covers every stream fixture: Anthropic, Gemini and OpenAI upstreams, including
// multi-byte UTF-8 text and CRLF framing.
import { FIXTURES } from "./fixtures.gen";
import { converterFor, optionsOf, requestOf } from "./fixture-options";
import { runStream } from "./sse-run";
import { SseParser } from "../../../shared/sse-parser";
import { OutBuf } from "../../converters/out-buf";

// Returns "" or the first cut position whose output differs.
function checkDirection(direction: string): string {
  let streams = 0;
  for (let i = 0; i < FIXTURES.length; i++) {
    const row = FIXTURES[i];
    if (row[0] != direction || row[2] != "stream") continue;
    streams++;
    const conv = converterFor(direction);
    const opts = optionsOf(row[3]);
    const whole = runStream(conv, requestOf(row[3]), opts, row[4]);
    const n = String.UTF8.byteLength(row[4]);
    for (let cut = 1; cut < n; cut++) {
      const got = runStream(conv, requestOf(row[3]), opts, row[4], cut);
      if (got != whole) return row[1] + ": output differs when cut at byte " + cut.toString();
    }
    if (byteByByte(row[3], row[4], direction) != whole) return row[1] + ": output differs when fed one byte at a time";
  }
  return streams > 0 ? "" : "no stream fixtures for " + direction;
}

function byteByByte(optsJson: string, transcript: string, direction: string): string {
  const conv = converterFor(direction);
  const st = conv.newStream(requestOf(optsJson), optionsOf(optsJson));
  const out = new OutBuf(256);
  const p = new SseParser();
  const bytes = String.UTF8.encode(transcript);
  for (let i = 0; i < bytes.byteLength; i++) {
    p.pushBytes(changetype<usize>(bytes) + <usize>i, 1);
    let ev = p.next();
    while (ev !== null) {
      conv.streamEvent(st, ev.event, ev.data, out);
      ev = p.next();
    }
  }
  let ev = p.finish();
  while (ev !== null) {
    conv.streamEvent(st, ev.event, ev.data, out);
    ev = p.finish();
  }
  conv.streamEnd(st, out);
  return out.toString();
}

describe("stream conversion at any chunking", () => {
  it("Anthropic upstream -> OpenAI client", () => {
    expect(checkDirection("openai-to-anthropic")).toBe("");
  });
  it("Gemini upstream -> OpenAI client", () => {
    expect(checkDirection("openai-to-gemini")).toBe("");
  });
  it("OpenAI upstream -> Anthropic client", () => {
    expect(checkDirection("anthropic-to-openai")).toBe("");
  });
});
