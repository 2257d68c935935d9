// The client-facing APIs ai-proxy understands, found by path suffix like Higress
// (`/proxy/v1/chat/completions` is chat too), and the wire protocols on either side.

export const enum Api {
  Unknown = 0,
  ChatCompletions = 1, // POST /v1/chat/completions (OpenAI)
  Completions = 2, // POST /v1/completions (OpenAI legacy text completions)
  Embeddings = 3, // POST /v1/embeddings (OpenAI)
  Models = 4, // GET /v1/models (OpenAI)
  Messages = 5, // POST /v1/messages (Anthropic)
}

// The wire protocols on either side, as the converters define them.
export { Protocol } from "./converters/converter";
import { Protocol } from "./converters/converter";

/** The API a Higress `capabilities` key names (openai/v1/chatcompletions, ...); Unknown otherwise. */
export function apiFromName(name: string): Api {
  if (name == "openai/v1/chatcompletions") return Api.ChatCompletions;
  if (name == "openai/v1/completions") return Api.Completions;
  if (name == "openai/v1/embeddings") return Api.Embeddings;
  if (name == "openai/v1/models") return Api.Models;
  if (name == "anthropic/v1/messages") return Api.Messages;
  return Api.Unknown;
}

/** Path without its query string. */
export function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q < 0 ? path : path.substring(0, q);
}

/** The API a request path names (suffix match, query ignored). */
export function detectApi(path: string): Api {
  const p = pathOnly(path);
  if (p.endsWith("/v1/chat/completions")) return Api.ChatCompletions;
  if (p.endsWith("/v1/completions")) return Api.Completions;
  if (p.endsWith("/v1/embeddings")) return Api.Embeddings;
  if (p.endsWith("/v1/models")) return Api.Models;
  if (p.endsWith("/v1/messages")) return Api.Messages;
  return Api.Unknown;
}

/** The protocol a client speaks on an API. */
export function clientProtocol(api: Api): Protocol {
  return api == Api.Messages ? Protocol.Anthropic : Protocol.OpenAI;
}

/** True for APIs whose request carries a JSON body with a `model`. */
export function hasModelBody(api: Api): bool {
  return api != Api.Models && api != Api.Unknown;
}
