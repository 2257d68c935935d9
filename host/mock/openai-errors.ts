// OpenAI (and Azure OpenAI) error bodies and the auth check.
// OpenAI: {"error": {"message", "type", "param", "code"}}  (https://platform.openai.com/docs/guides/error-codes)
// Azure:  {"error": {"code": "401", "message": "..."}} for its gateway-level errors (auth, unknown
// route or deployment); model-level errors have the OpenAI shape.

import type { JsonReply } from "./response-writer.ts";
import type { MockState } from "./state.ts";

export interface OpenAIErrorFields {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

/** OpenAI bodies are pretty-printed with two spaces, as api.openai.com sends them. */
export function openaiJson(status: number, body: unknown, requestId: string, headers: Record<string, string> = {}): JsonReply {
  return {
    kind: "json",
    status,
    headers: { "content-type": "application/json", "x-request-id": requestId, ...headers },
    body: JSON.stringify(body, null, 2),
  };
}

export function openaiError(status: number, e: OpenAIErrorFields, requestId: string, headers: Record<string, string> = {}): JsonReply {
  return openaiJson(status, { error: e }, requestId, headers);
}

export function invalidRequest(message: string, param: string | null = null, code: string | null = null): OpenAIErrorFields {
  return { message, type: "invalid_request_error", param, code };
}

/** The error a status fault produces: the shape OpenAI uses for that status. */
export function openaiErrorForStatus(status: number): OpenAIErrorFields {
  switch (status) {
    case 400:
      return invalidRequest("Invalid request (injected by mock).");
    case 401:
      return invalidRequest("Incorrect API key provided.", null, "invalid_api_key");
    case 403:
      return invalidRequest("You are not allowed to sample from this model", null, "unsupported_country_region_territory");
    case 404:
      return invalidRequest("The model does not exist or you do not have access to it.", null, "model_not_found");
    case 429:
      return {
        message: "Rate limit reached for requests (injected by mock). Please try again later.",
        type: "requests",
        param: null,
        code: "rate_limit_exceeded",
      };
    case 503:
      return { message: "The engine is currently overloaded, please try again later.", type: "server_error", param: null, code: null };
    default:
      if (status >= 500) {
        return {
          message: "The server had an error while processing your request. Sorry about that!",
          type: "server_error",
          param: null,
          code: null,
        };
      }
      return invalidRequest(`Request failed with status ${status} (injected by mock).`);
  }
}

export const AZURE_ACCESS_DENIED =
  "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";

export function azureError(status: number, code: string, message: string, requestId: string): JsonReply {
  return {
    kind: "json",
    status,
    headers: { "content-type": "application/json", "apim-request-id": requestId },
    body: JSON.stringify({ error: { code, message } }),
  };
}

/** Checks `Authorization: Bearer <key>`; returns the error reply, or undefined when accepted. */
export function checkOpenAIAuth(headers: Record<string, string>, state: MockState, requestId: string): JsonReply | undefined {
  const auth = headers["authorization"];
  const m = auth === undefined ? null : /^Bearer\s+(.*)$/i.exec(auth);
  const key = m ? m[1].trim() : "";
  if (key === "") {
    return openaiError(
      401,
      invalidRequest(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the API from your browser and are prompted for a username. You can obtain an API key from https://platform.openai.com/account/api-keys.",
      ),
      requestId,
    );
  }
  if (!state.keyAccepted("openai", key)) {
    return openaiError(
      401,
      invalidRequest(
        `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        null,
        "invalid_api_key",
      ),
      requestId,
    );
  }
  return undefined;
}

/** Checks Azure's `api-key` header (or a Bearer token); returns the error reply, or undefined. */
export function checkAzureAuth(headers: Record<string, string>, state: MockState, requestId: string): JsonReply | undefined {
  let key = headers["api-key"] ?? "";
  if (key === "") {
    const m = /^Bearer\s+(.*)$/i.exec(headers["authorization"] ?? "");
    key = m ? m[1].trim() : "";
  }
  if (!state.keyAccepted("azure", key)) return azureError(401, "401", AZURE_ACCESS_DENIED, requestId);
  return undefined;
}

/** OpenAI echoes a masked key: the first 3 and last 4 characters survive. */
export function maskKey(key: string): string {
  if (key.length <= 8) return "*".repeat(key.length);
  return key.slice(0, 3) + "*".repeat(key.length - 7) + key.slice(-4);
}
