// Paths of the OpenAI-compatible APIs under a base ("/v1", "/compatible-mode/v1", ...). A client
// speaking Anthropic /v1/messages to an OpenAI-compatible upstream is converted to chat, so
// Messages maps to the chat path here.
import { Api } from "../api";

export function openAiPath(base: string, api: Api): string {
  switch (api) {
    case Api.ChatCompletions: return base + "/chat/completions";
    case Api.Messages: return base + "/chat/completions";
    case Api.Completions: return base + "/completions";
    case Api.Embeddings: return base + "/embeddings";
    case Api.Models: return base + "/models";
  }
  return "";
}

/** The API a configured endpoint URL path points at directly ("/x/v1/chat/completions"), or
 *  Unknown when the path is a base to append API paths to. */
export function endpointApi(path: string): Api {
  if (path.endsWith("/chat/completions")) return Api.ChatCompletions;
  if (path.endsWith("/completions")) return Api.Completions;
  if (path.endsWith("/embeddings")) return Api.Embeddings;
  if (path.endsWith("/models")) return Api.Models;
  if (path.endsWith("/messages")) return Api.Messages;
  return Api.Unknown;
}
