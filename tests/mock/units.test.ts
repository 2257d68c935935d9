// The mock's pure parts: the token rule, schema-derived values, the reply plan, the fault header
// and the write plan.

import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { tokenize, countTokens } from "../../host/mock/tokens.ts";
import { valueForSchema } from "../../host/mock/schema-value.ts";
import { planReply, type Conversation } from "../../host/mock/reply-plan.ts";
import { FaultBook, parseFaultHeader } from "../../host/mock/faults.ts";
import { planWrites, serializeEvent, type StreamReply } from "../../host/mock/response-writer.ts";

describe("tokenize", () => {
  it("cuts words with their leading whitespace and long words into 8-character pieces", () => {
    assert.deepEqual(tokenize("echo: Hello world"), ["echo:", " Hello", " world"]);
    assert.deepEqual(tokenize("internationalization"), ["internat", "ionaliza", "tion"]);
    assert.deepEqual(tokenize(" lead  trail  "), [" lead", "  trail", "  "]);
    assert.deepEqual(tokenize(""), []);
    assert.equal(countTokens('{"city":"Paris"}'), 2);
  });

  it("joins back to the exact input and never splits a code point", () => {
    for (const s of ["a\n\nb", "😀😀😀😀😀😀😀😀😀 x", "tab\tsep", "  ", "日本語のテキストです"]) {
      const toks = tokenize(s);
      assert.equal(toks.join(""), s);
      for (const t of toks) assert.equal(Buffer.from(t, "utf8").toString("utf8"), t);
    }
  });
});

describe("valueForSchema", () => {
  it("derives values from JSON Schema and Gemini's upper-case types", () => {
    const schema = {
      type: "object",
      properties: {
        s: { type: "string" }, e: { enum: ["b", "a"] }, i: { type: "integer", minimum: 3.2 }, n: { type: "number" },
        b: { type: "boolean" }, a: { type: "array", items: { type: "string" }, minItems: 1 }, z: { type: "array" },
        o: { type: "OBJECT", properties: { x: { type: "INTEGER" } } }, u: { anyOf: [{ type: "boolean" }, { type: "string" }] },
        t: { type: ["null", "string"] },
      },
    };
    assert.deepEqual(valueForSchema(schema, "txt"), { s: "txt", e: "b", i: 4, n: 1.5, b: true, a: ["txt"], z: [], o: { x: 1 }, u: true, t: "txt" });
    assert.equal(valueForSchema(undefined, "txt"), "txt");
  });
});

describe("planReply", () => {
  const base: Conversation = { lastText: "hi", lastIsToolResult: false, tools: [], toolChoice: { mode: "auto" }, parallelToolCalls: true, stop: [] };

  it("echoes, cuts at the earliest stop sequence, then at max tokens", () => {
    assert.equal(planReply(base).text, "echo: hi");
    const s = planReply({ ...base, lastText: "a b x", stop: ["x", " b"] });
    assert.deepEqual([s.text, s.finish, s.stopSequence], ["echo: a", "stop_sequence", " b"]);
    const m = planReply({ ...base, lastText: "a b c", maxTokens: 3 });
    assert.deepEqual([m.text, m.finish, m.outputTokens], ["echo: a b", "length", 3]);
  });

  it("calls tools named in the text, in declaration order, but not after a tool result", () => {
    const tools = [{ name: "b_tool", parameters: {} }, { name: "a_tool", parameters: {} }];
    assert.deepEqual(planReply({ ...base, tools, lastText: "a_tool then b_tool" }).toolCalls.map((t) => t.name), ["b_tool", "a_tool"]);
    assert.deepEqual(planReply({ ...base, tools, lastText: "xa_tool" }).toolCalls, []);
    assert.deepEqual(planReply({ ...base, tools, lastText: "a_tool", lastIsToolResult: true }).toolCalls, []);
  });
});

describe("fault header and fault book", () => {
  it("parses every field and rejects unknown or malformed ones", () => {
    const p = parseFaultHeader("status=429; count=2; key=k; retry-after=1.5; delay=10; event-delay=2; chunk-delay=3; reset-after=4; reset-after-bytes=5; end-after=6; error-after=7; events-per-chunk=2; chunks=1,2; crlf; blackhole; gzip");
    assert.deepEqual(p, {
      ok: true, count: 2, key: "k",
      spec: { status: 429, retryAfter: 1.5, firstByteDelayMs: 10, eventDelayMs: 2, chunkDelayMs: 3, resetAfterEvents: 4, resetAfterBytes: 5, endAfterEvents: 6, errorAfterEvents: 7, eventsPerChunk: 2, chunkSizes: [1, 2], lineEnding: "crlf", blackhole: true, gzip: true },
    });
    assert.equal(parseFaultHeader("nope=1").ok, false);
    assert.equal(parseFaultHeader("chunks=0").ok, false);
    assert.equal(parseFaultHeader("count=-1").ok, false);
  });

  it("merges header fields over the queued fault and counts header budgets per key", () => {
    const book = new FaultBook();
    book.add({ status: 500, eventDelayMs: 5, count: 1 });
    const h = parseFaultHeader("status=429;count=1");
    assert.deepEqual(book.take("openai", "/v1/x", h), { status: 429, eventDelayMs: 5 });
    assert.deepEqual(book.take("openai", "/v1/x", h), undefined);
  });
});

describe("planWrites", () => {
  const reply: StreamReply = {
    kind: "stream", status: 200, headers: {}, lineEnding: "lf",
    events: [{ event: "a", data: "1" }, { data: "2\n3" }, { data: "4" }],
    errorEvent: { data: "err" },
  };

  it("serializes SSE with LF or CRLF and multi-line data", () => {
    assert.equal(serializeEvent({ event: "a", data: "x\ny" }, "lf"), "event: a\ndata: x\ndata: y\n\n");
    assert.equal(serializeEvent({ data: "x" }, "crlf"), "data: x\r\n\r\n");
  });

  it("cuts, groups and terminates the writes as the fault says", () => {
    const text = (p: ReturnType<typeof planWrites>) => p.units.map((u) => u.toString());
    assert.deepEqual(text(planWrites(reply)), ["event: a\ndata: 1\n\n", "data: 2\ndata: 3\n\n", "data: 4\n\n"]);
    assert.deepEqual(text(planWrites(reply, { eventsPerChunk: 2 })), ["event: a\ndata: 1\n\ndata: 2\ndata: 3\n\n", "data: 4\n\n"]);
    assert.deepEqual(text(planWrites(reply, { errorAfterEvents: 1 })), ["event: a\ndata: 1\n\n", "data: err\n\n"]);
    const reset = planWrites(reply, { resetAfterEvents: 2 });
    assert.deepEqual([reset.units.length, reset.finish], [2, "reset"]);
    assert.deepEqual(text(planWrites(reply, { resetAfterBytes: 5 })), ["event"]);
    assert.deepEqual(planWrites(reply, { chunkSizes: [4, 10] }).units.map((u) => u.length), [4, 10, 10, 10, 10]); // 18 + 17 + 9 = 44 bytes
  });
});
