// Token bound under concurrency (issue #5): with token_estimate.mode "upper_bound" and
// enforce_max_tokens, a reservation never underestimates a text request, so N concurrent
// requests over 4 worker VMs never use more than the limit, even when the upstream bills the most
// reality allows (a token per prompt byte plus the chat-template tokens; output up to the cap it
// received). In "strict" mode a request that may underestimate runs alone per key, so the limit
// is exceeded by at most that one request's underestimate.
import { test } from "node:test";
import assert from "node:assert/strict";
import { rateLimitStack, chatHeaders, admitted, openAiUsageBody } from "./helpers.ts";
import type { TestStack, TestStream } from "../../host/testing.ts";

const LIMIT = 6000;
const utf8 = (s: string) => Buffer.byteLength(s, "utf8");

interface Sent {
  s: TestStream;
  body: string;
  messages: { role: string; content: string }[];
  cap: number | null;
}

let seed = 7;
function rnd(n: number): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed % n;
}
const WORDS = ["token", "limit", "héllo", "данные", "限流", "gateway", "🙂", "x"];
function text(maxWords: number): string {
  const n = 1 + rnd(maxWords);
  return Array.from({ length: n }, () => WORDS[rnd(WORDS.length)]).join(" ");
}

function send(stack: TestStack, worker: number, cap: number | null, headers: Record<string, string> = {}): Sent {
  const messages = [{ role: "system", content: text(5) }, { role: "user", content: text(40) }];
  const req: Record<string, unknown> = { model: "m", messages };
  if (cap !== null) req.max_tokens = cap;
  const body = JSON.stringify(req);
  const s = stack.stream(worker);
  s.sendRequestHeaders(chatHeaders({ "content-length": String(utf8(body)), ...headers }));
  s.sendRequestBody(body, true);
  return { s, body, messages, cap };
}

/** The most a real provider could bill for this prompt: each token covers >= 1 byte of the
 *  role and content text, plus 3 template tokens per message and 3 for the reply priming. */
function worstPrompt(x: Sent): number {
  return x.messages.reduce((n, m) => n + utf8(m.role) + utf8(m.content) + 3, 3);
}

/** The output cap the upstream received (its own, or the one the plugin wrote). */
function receivedCap(x: Sent): number | null {
  const b = JSON.parse(x.s.upstream!.bodyText);
  return b.max_tokens ?? b.max_completion_tokens ?? null;
}

/** Answers with the most reality allows; an uncapped request gets `uncappedOutput`. */
function answerWorst(x: Sent, uncappedOutput: number): number {
  const cap = receivedCap(x);
  const prompt = worstPrompt(x);
  const out = cap ?? uncappedOutput;
  x.s.respond(200, openAiUsageBody(prompt, out), { "content-type": "application/json" });
  return prompt + out;
}

async function wavesOfWorstCase(config: unknown, uncappedOutput: number): Promise<{ spent: number; injected: number; refused: number }> {
  const stack = await rateLimitStack({ concurrency: 4, config });
  let spent = 0;
  let injected = 0;
  let refused = 0;
  for (let wave = 0; wave < 6; wave++) {
    const open: Sent[] = [];
    for (let i = 0; i < 24; i++) {
      const x = send(stack, i % 4, i % 3 === 0 ? null : 20 + rnd(150));
      if (admitted(x.s)) open.push(x);
      else {
        assert.equal(x.s.response.status, 429);
        refused++;
      }
    }
    for (const x of open) {
      const up = x.s.upstream!;
      if (x.cap === null && receivedCap(x) !== null) {
        injected++;
        // byte-identical apart from the inserted member; the length header is gone (re-framed)
        assert.equal(up.bodyText, `{"max_tokens":${receivedCap(x)},` + x.body.slice(1));
        assert.equal(up.header("content-length"), undefined);
      } else {
        assert.equal(up.bodyText, x.body, "bodies with a cap pass unchanged");
      }
      spent += answerWorst(x, uncappedOutput);
    }
  }
  await stack.close();
  return { spent, injected, refused };
}

test("upper_bound + enforce_max_tokens: concurrent worst-case requests on 4 workers stay within the limit", async () => {
  const r = await wavesOfWorstCase({
    rules: [{ name: "tok", token_per_minute: LIMIT }],
    token_estimate: { mode: "upper_bound", enforce_max_tokens: true, default_max_tokens: 120 },
  }, 10_000);
  assert.ok(r.injected > 0, "uncapped requests got the reserved cap");
  assert.ok(r.refused > 0, "the limit was reached");
  assert.ok(r.spent <= LIMIT, `${r.spent} tokens used, limit ${LIMIT}`);
  assert.ok(r.spent > LIMIT * 0.5, `the limit is used, not just respected: ${r.spent}`);
});

test("control: the default estimate mode without enforcement overshoots with the same upstream", async () => {
  const r = await wavesOfWorstCase({
    rules: [{ name: "tok", token_per_minute: LIMIT }],
    token_estimate: { default_max_tokens: 120 },
  }, 400);
  assert.equal(r.injected, 0);
  assert.ok(r.spent > LIMIT, `expected an overshoot, got ${r.spent}`);
});

test("strict: uncapped requests of one key run one at a time; overshoot <= one underestimate", async () => {
  const UNDER = 500; // the uncapped request's output beyond its reservation
  const DEFAULT_OUT = 100;
  const stack = await rateLimitStack({
    concurrency: 4,
    config: { rules: [{ name: "tok", limit_by_per_header: "x-key", token_per_minute: LIMIT }], token_estimate: { mode: "strict", default_max_tokens: DEFAULT_OUT } },
  });
  let spent = 0;
  let uncappedAdmitted = 0;
  for (let wave = 0; wave < 6; wave++) {
    const open: Sent[] = [];
    for (let i = 0; i < 24; i++) {
      const x = send(stack, i % 4, i % 3 === 0 ? null : 20 + rnd(150), { "x-key": "a" });
      if (admitted(x.s)) open.push(x);
      else assert.equal(x.s.details, "ai_rate_limit.token_limited");
    }
    const uncapped = open.filter((x) => x.cap === null);
    assert.ok(uncapped.length <= 1, `wave ${wave}: ${uncapped.length} uncapped requests in flight together`);
    uncappedAdmitted += uncapped.length;
    for (const x of open) assert.equal(x.s.upstream!.bodyText, x.body, "enforce is off: nothing written");
    // the capped ones first, then the one that underestimates
    for (const x of open.filter((y) => y.cap !== null)) spent += answerWorst(x, 0);
    for (const x of uncapped) spent += answerWorst(x, DEFAULT_OUT + UNDER);
  }
  assert.ok(uncappedAdmitted >= 2, "an uncapped request is admitted again once the previous one ended");
  assert.ok(spent <= LIMIT + UNDER, `${spent} tokens used, limit ${LIMIT} + one underestimate ${UNDER}`);
  assert.ok(spent > LIMIT * 0.5);
  // another key is not blocked by key a's uncapped request
  const a = send(stack, 0, null, { "x-key": "b" });
  const b = send(stack, 1, null, { "x-key": "c" });
  assert.ok(admitted(a.s) && admitted(b.s));
  await stack.close();
});

test("enforce_max_tokens: Gemini generationConfig, Responses max_output_tokens, invalid JSON untouched", async () => {
  const stack = await rateLimitStack({
    concurrency: 1,
    config: { rules: [{ token_per_minute: 1_000_000 }], token_estimate: { enforce_max_tokens: true, default_max_tokens: 64, max_tokens_field: "max_completion_tokens" } },
  });
  const cases: [string, string, string][] = [
    ["/v1beta/models/g:generateContent", '{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"temperature":0.1}}',
      '{"contents":[{"parts":[{"text":"hi"}]}],"generationConfig":{"maxOutputTokens":64,"temperature":0.1}}'],
    ["/v1/responses", '{ "model":"m", "input":"hi" }', '{"max_output_tokens":64, "model":"m", "input":"hi" }'],
    ["/v1/chat/completions", '{"messages":[]}', '{"max_completion_tokens":64,"messages":[]}'],
    ["/v1/chat/completions", '{"messages":[],}', '{"messages":[],}'],
    ["/v1/chat/completions", '{"messages":[],"max_tokens":null}', '{"messages":[],"max_tokens":null}'],
    ["/v1/embeddings", '{"input":"hi"}', '{"input":"hi"}'],
  ];
  for (const [path, body, want] of cases) {
    const s = stack.stream(0);
    s.sendRequestHeaders(chatHeaders({ "content-length": String(utf8(body)) }, path));
    s.sendRequestBody(body, true);
    assert.ok(admitted(s), path);
    assert.equal(s.upstream!.bodyText, want, `${path} ${body}`);
    s.respond(200, "{}", { "content-type": "application/json" });
  }
  await stack.close();
});

test("upper_bound: usage never seen keeps the whole reservation; an error answer releases it", async () => {
  const stack = await rateLimitStack({
    concurrency: 1,
    config: { rules: [{ token_per_minute: 1000 }], token_estimate: { mode: "upper_bound" } },
  });
  const ask = () => {
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], max_tokens: 400 });
    const s = stack.stream(0);
    s.sendRequestHeaders(chatHeaders());
    s.sendRequestBody(body, true);
    return s;
  };
  const cut = ask();
  assert.ok(admitted(cut));
  cut.respondHeaders({ ":status": "200", "content-type": "text/event-stream" });
  cut.respondBody('data: {"choices":[{"index":0,"delta":{"content":"x"}}]}\n\n');
  cut.reset(); // cut before any usage
  const failed = ask();
  assert.ok(admitted(failed), "~440 of 1000 kept: another 440 fits");
  failed.respond(500, "{}");
  const third = ask();
  assert.ok(admitted(third), "the failed one was released");
  assert.equal(admitted(ask()), false, "the cut stream's reservation is still counted");
  await stack.close();
});

test("image parts by URL or Gemini fileData count image_tokens (not just data: URLs)", async () => {
  const stack = await rateLimitStack({
    concurrency: 1,
    config: { rules: [{ token_per_minute: 2500 }], token_estimate: { mode: "upper_bound", image_tokens: 1000 } },
  });
  const body = { model: "m", max_tokens: 10, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://x/y.png" } }] }] };
  const a = stack.stream(0);
  a.sendRequestHeaders(chatHeaders());
  a.sendRequestBody(JSON.stringify(body), true);
  assert.ok(admitted(a));
  const b = stack.stream(0);
  b.sendRequestHeaders(chatHeaders());
  b.sendRequestBody(JSON.stringify(body), true);
  assert.ok(admitted(b));
  const c = stack.stream(0);
  c.sendRequestHeaders(chatHeaders());
  c.sendRequestBody(JSON.stringify(body), true);
  assert.equal(admitted(c), false, "three images of 1000 tokens do not fit in 2500");
  await stack.close();
});
