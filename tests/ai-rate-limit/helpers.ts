// Builds ai-rate-limit (both targets) into build/ once per source change and starts test stacks.
import { createTestStack, type TestStack, type TestStream, type TestStackOptions } from "../../host/testing.ts";

import { ROOT, pluginBuild } from "../lib/cached-build.ts";

export { ROOT };

/** Path of the plugin built for `target`, rebuilt when its sources (or the SDK) changed. */
export const pluginWasm = (target: "envoy" | "higress" = "envoy"): string => pluginBuild("ai-rate-limit", target);

export interface StackOptions extends Partial<TestStackOptions> {
  config: unknown;
  target?: "envoy" | "higress";
  allowOnHeadersStopIteration?: boolean;
}

/** A stack with ai-rate-limit as its only filter. */
export async function rateLimitStack(o: StackOptions): Promise<TestStack> {
  const { config, target, allowOnHeadersStopIteration, ...rest } = o;
  return createTestStack({
    concurrency: 1,
    ...rest,
    filters: [{
      wasm: pluginWasm(target ?? "envoy"),
      name: "ai-rate-limit",
      rootId: "ai-rate-limit",
      vmId: "ai-gateway",
      configuration: typeof config === "string" ? config : JSON.stringify(config),
      allowOnHeadersStopIteration: allowOnHeadersStopIteration ?? true,
    }],
  });
}

export const CHAT_PATH = "/v1/chat/completions";

export function chatHeaders(extra: Record<string, string> = {}, path = CHAT_PATH): Record<string, string> {
  return { ":method": "POST", ":path": path, ":authority": "gw", ":scheme": "http", "content-type": "application/json", ...extra };
}

/** Opens a request with headers only (GET-like, end of stream). */
export function hit(stack: TestStack, worker: number, headers: Record<string, string> = {}): TestStream {
  const s = stack.stream(worker);
  s.sendRequestHeaders({ ":method": "GET", ":path": "/v1/models", ":authority": "gw", ":scheme": "http", ...headers }, true);
  return s;
}

/** A chat request with a JSON body. */
export function chat(stack: TestStack, worker: number, body: unknown, headers: Record<string, string> = {}, path = CHAT_PATH): TestStream {
  const s = stack.stream(worker);
  s.sendRequestHeaders(chatHeaders(headers, path));
  s.sendRequestBody(JSON.stringify(body), true);
  return s;
}

/** The request reached the upstream (admitted). */
export function admitted(s: TestStream): boolean {
  return s.upstream !== null;
}

export function openAiUsageBody(prompt: number, completion: number): string {
  return JSON.stringify({
    id: "chatcmpl-1", object: "chat.completion", model: "m",
    choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
  });
}
