// Writes Server-Sent Events in the framing providers use: `event: <name>\ndata: <json>\n\n`
// (Anthropic) and `data: <json>\n\n` (OpenAI, Gemini). Data holding line breaks becomes several
// `data:` lines, which a parser joins back with "\n".

/** `event: <event>\ndata: <data>\n\n` (no event line when `event` is empty). */
export function sseEvent(event: string, data: string): string {
  if (event.length == 0) return sseData(data);
  return "event: " + event + "\n" + dataLines(data) + "\n";
}

/** `data: <data>\n\n`. */
export function sseData(data: string): string {
  return dataLines(data) + "\n";
}

/** The OpenAI stream terminator. */
export const SSE_DONE: string = "data: [DONE]\n\n";

/** UTF-8 bytes of sseEvent(), ready for set_buffer_bytes. */
export function sseEventBytes(event: string, data: string): ArrayBuffer {
  return String.UTF8.encode(sseEvent(event, data));
}

function dataLines(data: string): string {
  // Fast path: one line.
  let hasBreak = false;
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c == 0x0a || c == 0x0d) {
      hasBreak = true;
      break;
    }
  }
  if (!hasBreak) return "data: " + data + "\n";
  let out = "";
  let start = 0;
  let i = 0;
  while (i <= data.length) {
    const c = i < data.length ? data.charCodeAt(i) : 0x0a;
    if (c == 0x0a || c == 0x0d) {
      out += "data: " + data.substring(start, i) + "\n";
      // CRLF is one break
      if (c == 0x0d && i + 1 < data.length && data.charCodeAt(i + 1) == 0x0a) i++;
      start = i + 1;
    }
    i++;
  }
  return out;
}
