// The OpenAI upstream (also Azure OpenAI and OpenAI-compatible hosts: any path ending in
// /chat/completions, /completions, /embeddings or /models is served, so base paths such as
// /compatible-mode/v1 work). Routes:
//   POST <base>/chat/completions  POST <base>/completions  POST <base>/embeddings
//   GET  <base>/models  GET <base>/models/<id>
//   POST /openai/deployments/<deployment>/{chat/completions|completions|embeddings}?api-version=..
//        (Azure: `api-key` header, the deployment stands in for the model)

import { planReply } from "./reply-plan.ts";
import type { MockRequest, Provider } from "./provider.ts";
import { isObject, mockId } from "./provider.ts";
import type { Reply, StreamEvent } from "./response-writer.ts";
import { DEFAULT_MODELS, type MockState } from "./state.ts";
import {
  azureError, checkAzureAuth, checkOpenAIAuth, invalidRequest, openaiError, openaiErrorForStatus, openaiJson,
} from "./openai-errors.ts";
import { chatChunks, chatCompletion, chatPromptUsage, parseChat, type ChatIds } from "./openai-chat.ts";
import {
  completion, completionChunks, completionPlans, embeddings, modelList, modelObject, parseCompletion, parseEmbeddings,
} from "./openai-misc.ts";

const AZURE = /^\/openai\/deployments\/([^/]+)\/(chat\/completions|completions|embeddings)$/;
const ENDPOINT = /(?:^|\/)(chat\/completions|completions|embeddings)$/;
const MODELS = /(?:^|\/)models(?:\/([^/:]+))?$/;

const PARSE_ERROR =
  "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON. If you have trouble figuring out how to fix this, please contact us through our help center at help.openai.com.)";

const SSE_HEADERS = { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" };

export const openaiProvider: Provider = {
  kind: "openai",

  claims(_method, path) {
    return AZURE.test(path) || ENDPOINT.test(path) || MODELS.test(path);
  },

  handle(req, state) {
    const n = state.nextId();
    const requestId = mockId("req_", n);
    const azure = AZURE.exec(req.path);
    if (azure) {
      if (!req.query["api-version"]) return azureError(404, "404", "Resource not found", requestId);
      const denied = checkAzureAuth(req.headers, state, requestId);
      if (denied) return denied;
      const deployment = decodeURIComponent(azure[1]);
      if (!state.modelKnown(deployment)) {
        return azureError(404, "DeploymentNotFound", "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.", requestId);
      }
      return endpoint(azure[2], req, state, n, requestId, deployment);
    }
    const denied = checkOpenAIAuth(req.headers, state, requestId);
    if (denied) return denied;
    const models = MODELS.exec(req.path);
    if (models && !ENDPOINT.test(req.path)) {
      if (req.method !== "GET") return invalidMethod(req, requestId);
      if (models[1] === undefined) return openaiJson(200, modelList(state.models ?? DEFAULT_MODELS), requestId);
      const id = decodeURIComponent(models[1]);
      if (!(state.models ?? DEFAULT_MODELS).includes(id)) {
        return openaiError(404, invalidRequest(`The model '${id}' does not exist`, "model", "model_not_found"), requestId);
      }
      return openaiJson(200, modelObject(id), requestId);
    }
    return endpoint(ENDPOINT.exec(req.path)![1], req, state, n, requestId, undefined);
  },

  notFound(req, state) {
    return openaiError(404, invalidRequest(`Invalid URL (${req.method} ${req.path})`), mockId("req_", state.nextId()));
  },

  errorReply(status, req, state) {
    const requestId = mockId("req_", state.nextId());
    if (AZURE.test(req.path)) return azureError(status, String(status), openaiErrorForStatus(status).message, requestId);
    const headers: Record<string, string> = status === 429
      ? { "x-ratelimit-limit-requests": "60", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "1s" }
      : {};
    return openaiError(status, openaiErrorForStatus(status), requestId, headers);
  },
};

function invalidMethod(req: MockRequest, requestId: string): Reply {
  return openaiError(405, invalidRequest(`Invalid method for URL (${req.method} ${req.path})`), requestId);
}

function endpoint(kind: string, req: MockRequest, state: MockState, n: number, requestId: string, deployment: string | undefined): Reply {
  if (req.method !== "POST") return invalidMethod(req, requestId);
  if (req.bodyInvalid || !isObject(req.body)) return openaiError(400, invalidRequest(PARSE_ERROR), requestId);
  const body = deployment === undefined ? req.body : { ...req.body, model: deployment };
  if (typeof body.model === "string" && body.model !== "" && deployment === undefined && !state.modelKnown(body.model)) {
    return openaiError(404, invalidRequest(`The model \`${body.model}\` does not exist or you do not have access to it.`, null, "model_not_found"), requestId);
  }
  const created = state.nowSeconds();
  const headers = { "x-request-id": requestId, "openai-processing-ms": "1" };
  if (kind === "embeddings") {
    const p = parseEmbeddings(body);
    if (!p.ok) return openaiError(400, p.error, requestId);
    return openaiJson(200, embeddings(body, p.inputs), requestId);
  }
  if (kind === "completions") {
    const p = parseCompletion(body);
    if (!p.ok) return openaiError(400, p.error, requestId);
    const plans = completionPlans(body, p.prompts);
    const ids = { id: mockId("cmpl-", n), created, model: body.model };
    if (body.stream === true) {
      return stream(completionChunks(p.prompts, plans, ids, body.stream_options?.include_usage === true), headers);
    }
    return openaiJson(200, completion(p.prompts, plans, ids), requestId);
  }
  const p = parseChat(body);
  if (!p.ok) return openaiError(400, p.error, requestId);
  const chat = p.chat;
  const plan = planReply(chat.conv);
  const { prompt, prefix } = chatPromptUsage(chat);
  const cacheKey = `openai\u0000${body.model}\u0000${JSON.stringify(body.messages.slice(0, -1))}`;
  const cached = prefix > 0 && state.cacheHit(cacheKey) ? prefix : 0;
  const usage = { prompt, cached, completion: plan.outputTokens * chat.n };
  const ids: ChatIds = {
    id: mockId("chatcmpl-", n), created, model: body.model, azure: deployment !== undefined,
    callId: (c, i) => `call_mock${String(n).padStart(6, "0")}_${c}_${i}`,
  };
  if (chat.stream) return stream(chatChunks(plan, chat.n, ids, usage, chat.includeUsage), headers);
  return openaiJson(200, chatCompletion(plan, chat.n, ids, usage), requestId);
}

function stream(events: StreamEvent[], headers: Record<string, string>): Reply {
  return {
    kind: "stream",
    status: 200,
    headers: { ...SSE_HEADERS, ...headers },
    events,
    lineEnding: "lf",
    errorEvent: {
      data: JSON.stringify({ error: { message: "The server had an error while processing your request. Sorry about that!", type: "server_error", param: null, code: null } }),
    },
  };
}
