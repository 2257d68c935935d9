// What the request path and body say about an AI call: which API, the requested model, streaming.
// Pure. Paths (providers.md): /v1/chat/completions, /v1/completions, /v1/embeddings,
// /v1/responses, /v1/messages, /v1beta/models/<model>:generateContent | :streamGenerateContent.

export const enum Api {
  Other = 0,
  ChatCompletions = 1,
  Completions = 2,
  Embeddings = 3,
  Responses = 4,
  Messages = 5,
  GenerateContent = 6,
  StreamGenerateContent = 7,
  Models = 8,
}

/** Path without its query string. */
export function stripQuery(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? path : path.substring(0, q);
}

export function apiOf(path: string): Api {
  const p = stripQuery(path);
  if (p.endsWith("/chat/completions")) return Api.ChatCompletions;
  if (p.endsWith("/completions")) return Api.Completions;
  if (p.endsWith("/embeddings")) return Api.Embeddings;
  if (p.endsWith("/responses")) return Api.Responses;
  if (p.endsWith("/messages")) return Api.Messages;
  if (p.endsWith(":streamGenerateContent")) return Api.StreamGenerateContent;
  if (p.endsWith(":generateContent")) return Api.GenerateContent;
  if (p.endsWith("/models")) return Api.Models;
  return Api.Other;
}

/** Name written to logs (`api`). */
export function apiName(api: Api): string {
  switch (api) {
    case Api.ChatCompletions: return "openai/chat_completions";
    case Api.Completions: return "openai/completions";
    case Api.Embeddings: return "openai/embeddings";
    case Api.Responses: return "openai/responses";
    case Api.Messages: return "anthropic/messages";
    case Api.GenerateContent: return "gemini/generate_content";
    case Api.StreamGenerateContent: return "gemini/stream_generate_content";
    case Api.Models: return "openai/models";
  }
  return "other";
}

/** Responses of this API normally report token usage (a 2xx without usage is an anomaly). */
export function expectsUsage(api: Api): bool {
  return api != Api.Other && api != Api.Models;
}

/** Gemini names the model in the path: `/v1beta/models/gemini-2.5-flash:generateContent` -> `gemini-2.5-flash`. */
export function modelFromPath(path: string): string {
  const p = stripQuery(path);
  const m = p.lastIndexOf("/models/");
  if (m < 0) return "";
  const colon = p.indexOf(":", m);
  if (colon < 0) return "";
  return p.substring(m + 8, colon);
}
