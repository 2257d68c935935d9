// What every fuzz case must satisfy, as functions returning a problem description or null.
// Error shapes: OpenAI {"error":{"message"}}, Anthropic {"type":"error","error":{"type","message"}},
// Gemini {"error":{"code","message","status"}}.

const dec = new TextDecoder("utf-8", { fatal: false });

export type ClientProto = "openai" | "anthropic";

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const nonEmpty = (x: unknown) => typeof x === "string" && x.length > 0;

/** null if `text` is a clear error in the client's protocol (non-empty message). */
export function errorJsonProblem(text: string, proto: ClientProto): string | null {
  const v = parse(text) as Record<string, any> | undefined;
  if (!v || typeof v !== "object") return `error body is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  if (proto === "anthropic") {
    if (v.type === "error" && v.error && nonEmpty(v.error.type) && nonEmpty(v.error.message)) return null;
    return `not an Anthropic error: ${text.slice(0, 200)}`;
  }
  if (v.error && typeof v.error === "object" && nonEmpty(v.error.message)) return null;
  return `not an OpenAI error: ${text.slice(0, 200)}`;
}

/** Splits an SSE body into events (any of LF, CRLF, CR line endings), each as data text. */
export function sseEvents(text: string): { event?: string; data: string }[] {
  const out: { event?: string; data: string }[] = [];
  let ev: string | undefined;
  let data: string[] = [];
  let any = false;
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === "") {
      if (any) out.push({ event: ev, data: data.join("\n") });
      ev = undefined;
      data = [];
      any = false;
      continue;
    }
    if (line.startsWith(":")) continue;
    const i = line.indexOf(":");
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? "" : line.slice(i + 1);
    if (value.startsWith(" ")) value = value.slice(1);
    if (field === "data") data.push(value), (any = true);
    else if (field === "event") (ev = value), (any = true);
  }
  if (any) out.push({ event: ev, data: data.join("\n") });
  return out;
}

/** A converted (plugin-produced) OpenAI stream: every data is [DONE] or a JSON object; errors are clear. */
export function openaiStreamProblem(text: string): string | null {
  for (const e of sseEvents(text)) {
    if (e.data === "[DONE]") continue;
    const v = parse(e.data) as Record<string, any> | undefined;
    if (!v || typeof v !== "object") return `stream data is not JSON: ${e.data.slice(0, 200)}`;
    if ("error" in v) {
      const p = errorJsonProblem(e.data, "openai");
      if (p) return `stream error event: ${p}`;
    } else if (v.object !== "chat.completion.chunk" || !Array.isArray(v.choices)) return `not a chat.completion.chunk: ${e.data.slice(0, 200)}`;
  }
  return null;
}

/** A converted (plugin-produced) non-streamed OpenAI answer: a chat.completion or a clear error. */
export function openaiJsonProblem(text: string, status: number): string | null {
  if (status >= 400) return errorJsonProblem(text, "openai");
  const v = parse(text) as Record<string, any> | undefined;
  if (!v || typeof v !== "object") return `converted body is not JSON: ${JSON.stringify(text.slice(0, 200))}`;
  if (v.object === "chat.completion" && Array.isArray(v.choices)) return null;
  if ("error" in v) return errorJsonProblem(text, "openai");
  return `not a chat.completion: ${text.slice(0, 200)}`;
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.length), Buffer.from(b.buffer, b.byteOffset, b.length)) === 0;
}

export function commonPrefix(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a[i] === b[i]) i++;
  return i;
}

/**
 * A same-protocol relayed stream: the client got the upstream bytes unchanged, except that a stream
 * without its end marker may lose its last incomplete event and get error event(s) in the client's
 * protocol instead (README: "gets an error event ... instead of a clean end").
 */
export function relayedStreamProblem(sent: Uint8Array, got: Uint8Array, proto: ClientProto): string | null {
  if (equalBytes(sent, got)) return null;
  const l = commonPrefix(sent, got);
  if (l === got.length) return null; // client got a prefix (the upstream was reset): nothing invented
  // what was added starts at an event boundary (a blank line) at or before the first difference
  const head = dec.decode(got.slice(0, l));
  const m = [...head.matchAll(/(\r\n|\r|\n)(\r\n|\r|\n)/g)].pop();
  const cut = m ? m.index! + m[0].length : 0;
  const rest = head.slice(cut) + dec.decode(got.slice(l));
  const evs = sseEvents(rest);
  if (evs.length > 0 && evs.every((e) => errorJsonProblem(e.data, proto) === null)) return null;
  if (l === sent.length) {
    // every upstream byte was forwarded, then error event(s) appended: right only if the upstream
    // ended on an event boundary; otherwise its incomplete last event reached the client too
    const extra = sseEvents(dec.decode(got.slice(l)));
    if (extra.length && extra.every((e) => errorJsonProblem(e.data, proto) === null)) {
      return `truncated event flushed: the upstream's incomplete last event was forwarded and the error event appended to it; the client parses ${JSON.stringify(evs.map((e) => e.data.slice(0, 60)))}`;
    }
  }
  return `relayed stream differs from the upstream bytes at byte ${l} (upstream ${sent.length} B, client ${got.length} B): upstream ${JSON.stringify(dec.decode(sent.slice(l, l + 80)))} vs client ${JSON.stringify(rest.slice(0, 120))}`;
}

export function text(b: Uint8Array): string {
  return dec.decode(b);
}

/** The assistant text an OpenAI client got (stream: the deltas joined; JSON: message.content). */
export function openaiAnswerText(body: string, sse: boolean): string | undefined {
  try {
    if (!sse) return JSON.parse(body).choices[0].message.content;
    let out = "";
    for (const e of sseEvents(body)) {
      if (e.data === "[DONE]") continue;
      const c = JSON.parse(e.data).choices?.[0]?.delta?.content;
      if (typeof c === "string") out += c;
    }
    return out;
  } catch {
    return undefined;
  }
}

/** An OpenAI chat request converted to Anthropic keeps the system text and every turn's text. */
export function convertedRequestProblem(openai: { messages: { role: string; content: string }[] }, upstream: Uint8Array): string | null {
  let v: { system?: unknown; messages?: { role: string; content: unknown }[] };
  try {
    v = JSON.parse(text(upstream));
  } catch {
    return `converted request is not JSON: ${text(upstream).slice(0, 200)}`;
  }
  const blockText = (c: unknown) => (typeof c === "string" ? c : Array.isArray(c) ? c.filter((b) => b?.type === "text").map((b) => b.text).join("") : undefined);
  const system = openai.messages.filter((m) => m.role === "system").map((m) => m.content).join("\n");
  if (system && !(blockText(v.system) ?? "").includes(openai.messages.find((m) => m.role === "system")!.content)) return `system text lost: ${JSON.stringify(v.system).slice(0, 200)}`;
  const turns = openai.messages.filter((m) => m.role !== "system");
  const got = (v.messages ?? []).map((m) => blockText(m.content) ?? "").join("\u0001");
  const want = turns.map((m) => m.content).join("\u0001");
  if (got !== want) {
    const l = commonPrefix(new TextEncoder().encode(got), new TextEncoder().encode(want));
    return `turn texts differ after conversion at byte ${l}: got ${JSON.stringify(got.slice(Math.max(0, l - 20), l + 40))}, want ${JSON.stringify(want.slice(Math.max(0, l - 20), l + 40))}`;
  }
  return null;
}
