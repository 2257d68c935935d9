// Errors ai-proxy itself answers (bad input, no healthy provider, mid-stream failure), written
// in the client's own protocol so its SDK raises the usual typed error.
import { Protocol } from "./api";
import { openAiErrorBody, anthropicErrorBody, openAiTypeFor, anthropicTypeFor } from "../shared/errors";
import { sseEvent, sseData } from "../shared/sse-writer";

/** A JSON error body for `status`. */
export function clientErrorBody(p: Protocol, status: u32, message: string, code: string = ""): string {
  if (p == Protocol.Anthropic) return anthropicErrorBody(anthropicTypeFor(status), message);
  return openAiErrorBody(message, openAiTypeFor(status), code);
}

/** An SSE error event that ends a stream: `data: {"error":...}` (the OpenAI SDK raises on it) or
 *  Anthropic's `event: error`. */
export function clientErrorEvent(p: Protocol, status: u32, message: string, code: string = ""): string {
  if (p == Protocol.Anthropic) return sseEvent("error", anthropicErrorBody(anthropicTypeFor(status), message));
  return sseData(openAiErrorBody(message, openAiTypeFor(status), code));
}
