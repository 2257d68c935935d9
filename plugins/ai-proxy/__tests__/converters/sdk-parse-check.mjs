// Feeds every converter fixture's expected client output to the official SDK of the client's
// protocol (openai, @anthropic-ai/sdk) through a local HTTP server, and checks that the SDK parses
// it: streams assemble (text, tool calls with JSON-object arguments, finish reason), error streams
// raise APIError, error bodies map to the SDK's error class for the status. Run by hand or from a
// Node test: `node plugins/ai-proxy/__tests__/converters/sdk-parse-check.mjs` (exit 1 on failure).
import http from "node:http";
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import Anthropic from "@anthropic-ai/sdk";

const root = join(dirname(fileURLToPath(import.meta.url)), "../../converters/fixtures");
let reply = { status: 200, type: "application/json", body: "" };
const server = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(reply.status, { "content-type": reply.type });
    res.end(reply.body);
  });
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const base = `http://127.0.0.1:${server.address().port}`;
const openai = new OpenAI({ apiKey: "k", baseURL: base + "/v1", maxRetries: 0 });
const anthropic = new Anthropic({ apiKey: "k", baseURL: base, maxRetries: 0 });

let failures = 0;
function check(name, ok, detail) {
  if (!ok) {
    failures++;
    console.error(`FAIL ${name}: ${detail}`);
  }
}
const isErrorStream = (text) => /^data: \{"error"/m.test(text) || /^event: error/m.test(text);

async function openaiStream(name, text) {
  reply = { status: 200, type: "text/event-stream", body: text };
  const calls = {};
  let finish = null;
  try {
    const s = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }], stream: true });
    for await (const c of s) {
      for (const ch of c.choices) {
        for (const t of ch.delta?.tool_calls ?? []) {
          calls[t.index] ??= { id: t.id, args: "" };
          calls[t.index].args += t.function?.arguments ?? "";
        }
        if (ch.finish_reason) finish = ch.finish_reason;
      }
    }
    check(name, !isErrorStream(text), "stream with an error event parsed without APIError");
    check(name, finish !== null, "no finish_reason");
    for (const c of Object.values(calls)) {
      check(name, typeof c.id === "string" && c.id.length > 0, "tool call without id");
      const a = JSON.parse(c.args);
      check(name, a !== null && typeof a === "object" && !Array.isArray(a), "arguments not a JSON object: " + c.args);
    }
  } catch (e) {
    check(name, isErrorStream(text) && e instanceof OpenAI.APIError, `${e.constructor.name}: ${e.message}`);
  }
}

async function anthropicStream(name, text) {
  reply = { status: 200, type: "text/event-stream", body: text };
  try {
    const m = await anthropic.messages.stream({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] }).finalMessage();
    check(name, !isErrorStream(text), "stream with an error event parsed without APIError");
    check(name, typeof m.stop_reason === "string", "no stop_reason");
    for (const b of m.content) if (b.type === "tool_use") check(name, typeof b.input === "object" && b.input !== null, "tool_use input not an object");
  } catch (e) {
    check(name, isErrorStream(text) && e instanceof Anthropic.APIError, `${e.constructor.name}: ${e.message}`);
  }
}

async function json(name, client, status, body) {
  reply = { status, type: "application/json", body: JSON.stringify(body) };
  try {
    if (client === "openai") {
      const r = await openai.chat.completions.create({ model: "m", messages: [{ role: "user", content: "x" }] });
      check(name, status === 200 && r.choices.length > 0, "no choices");
    } else {
      const r = await anthropic.messages.create({ model: "m", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
      check(name, status === 200 && Array.isArray(r.content), "no content");
    }
  } catch (e) {
    const Cls = client === "openai" ? OpenAI : Anthropic;
    check(name, status >= 400 && e instanceof Cls.APIError && e.status === status, `${e.constructor.name} ${e.status}: ${e.message}`);
  }
}

let cases = 0;
for (const dir of readdirSync(root).sort()) {
  const client = dir.startsWith("openai-") ? "openai" : "anthropic";
  for (const file of readdirSync(join(root, dir)).sort()) {
    if (!file.endsWith(".json")) continue;
    const c = JSON.parse(readFileSync(join(root, dir, file), "utf8"));
    const name = `${dir}/${file}`;
    cases++;
    if (c.kind === "stream") {
      const text = readFileSync(join(root, dir, file.replace(/\.json$/, ".out.sse")), "utf8");
      await (client === "openai" ? openaiStream(name, text) : anthropicStream(name, text));
    } else if (c.kind === "response" && c.out.status === undefined) await json(name, client, 200, c.out);
    else if (c.kind === "error") await json(name, client, c.out.status, c.out.body);
    else if (c.kind === "request-error") await json(name, client, c.out.status, c.out.body);
    else cases--;
  }
}
server.close();
console.log(`${cases} fixture outputs parsed by the official SDKs, ${failures} failures`);
process.exit(failures > 0 || cases === 0 ? 1 : 0);
