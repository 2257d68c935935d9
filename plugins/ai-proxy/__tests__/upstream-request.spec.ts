import { parseConfigText } from "../config";
import { Provider } from "../providers/provider";
import { Api, Protocol } from "../api";
import { scanBody } from "../body-fields";
import { ClientRequest, buildUpstreamRequest, UpstreamRequest, clientKeyFrom } from "../upstream-request";

function provider(json: string): Provider {
  const r = parseConfigText('{"provider":' + json + "}");
  if (r.error !== null) log<string>(r.error!);
  return r.config!.active!;
}

function client(api: Api, path: string, body: string): ClientRequest {
  const c = new ClientRequest();
  c.api = api;
  c.path = path;
  c.authority = "gw.local";
  c.body = String.UTF8.encode(body);
  c.text = body;
  c.fields = scanBody(c.body!, "");
  return c;
}

function build(p: Provider, c: ClientRequest, key: string = "K"): UpstreamRequest {
  return buildUpstreamRequest(p, c, "", key);
}

function bodyOf(u: UpstreamRequest): string {
  return u.body === null ? "<unchanged>" : String.UTF8.decode(u.body!);
}

describe("upstream request: same protocol", () => {
  it("forwards an unchanged body as is", () => {
    const u = build(provider('{"type":"openai"}'), client(Api.ChatCompletions, "/v1/chat/completions", '{"model":"gpt-4o","messages":[{"role":"developer","content":"x"}]}'));
    expect(u.failed).toBe(false);
    expect(u.body).toBeNull();
    expect(u.path).toBe("/v1/chat/completions");
    expect(u.host).toBe("api.openai.com");
    expect(u.headers[0].value).toBe("Bearer K");
  });
  it("maps the model and injects include_usage for streams", () => {
    const u = build(provider('{"type":"qwen","modelMapping":{"gpt-*":"qwen-max"}}'),
      client(Api.ChatCompletions, "/v1/chat/completions", '{"model":"gpt-4o","stream":true,"messages":[{"role":"developer","content":"x"}]}'));
    expect(bodyOf(u)).toBe('{"model":"qwen-max","stream":true,"messages":[{"role":"system","content":"x"}],"stream_options":{"include_usage":true}}');
    expect(u.model).toBe("qwen-max");
    expect(u.stream).toBe(true);
  });
  it("azure keeps developer and uses the deployment path", () => {
    const u = build(provider('{"type":"azure","azureServiceUrl":"https://r.openai.azure.com?api-version=2024-06-01"}'),
      client(Api.ChatCompletions, "/v1/chat/completions", '{"model":"gpt-4o","messages":[{"role":"developer","content":"x"}]}'));
    expect(u.body).toBeNull();
    expect(u.path).toBe("/openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01");
    expect(u.headers[0].key).toBe("api-key");
  });
  it("anthropic clients to claude: model mapping only", () => {
    const u = build(provider('{"type":"claude","modelMapping":{"*":"claude-sonnet-4"}}'),
      client(Api.Messages, "/v1/messages", '{"model":"x","max_tokens":5,"stream":true,"messages":[]}'));
    expect(bodyOf(u)).toBe('{"model":"claude-sonnet-4","max_tokens":5,"stream":true,"messages":[]}');
    expect(u.path).toBe("/v1/messages");
  });
  it("embeddings: mapping only", () => {
    const u = build(provider('{"type":"openai","modelMapping":{"e":"text-embedding-3-small"}}'), client(Api.Embeddings, "/v1/embeddings", '{"model":"e","input":"hi"}'));
    expect(bodyOf(u)).toBe('{"model":"text-embedding-3-small","input":"hi"}');
    expect(u.path).toBe("/v1/embeddings");
  });
});

describe("upstream request: converted", () => {
  it("openai client -> claude", () => {
    const u = build(provider('{"type":"claude","modelMapping":{"*":"claude-3-5-haiku"}}'),
      client(Api.ChatCompletions, "/v1/chat/completions", '{"model":"gpt-4o","stream":true,"messages":[{"role":"system","content":"s"},{"role":"user","content":"hi"}]}'));
    expect(u.failed).toBe(false);
    expect(u.converter).not.toBeNull();
    expect(u.upstreamProtocol).toBe(Protocol.Anthropic);
    expect(u.path).toBe("/v1/messages");
    const b = bodyOf(u);
    expect(b.includes('"model":"claude-3-5-haiku"')).toBe(true);
    expect(b.includes('"max_tokens":4096')).toBe(true);
    expect(u.stream).toBe(true);
  });
  it("openai client -> gemini puts model and stream in the path and adds safety settings", () => {
    const u = build(provider('{"type":"gemini","modelMapping":{"*":"gemini-2.0-flash"},"geminiSafetySetting":{"HARM_CATEGORY_HARASSMENT":"BLOCK_NONE"}}'),
      client(Api.ChatCompletions, "/v1/chat/completions", '{"model":"gpt-4o","stream":true,"messages":[{"role":"user","content":"hi"}]}'));
    expect(u.failed).toBe(false);
    expect(u.path).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(bodyOf(u).endsWith('"safetySettings":[{"category":"HARM_CATEGORY_HARASSMENT","threshold":"BLOCK_NONE"}]}')).toBe(true);
    expect(u.headers[0].key).toBe("x-goog-api-key");
  });
  it("anthropic client -> openai-compatible", () => {
    const u = build(provider('{"type":"deepseek"}'), client(Api.Messages, "/v1/messages", '{"model":"deepseek-chat","max_tokens":9,"messages":[{"role":"user","content":"hi"}]}'));
    expect(u.converter).toBeNull(); // deepseek speaks Anthropic natively
    const v = build(provider('{"type":"qwen"}'), client(Api.Messages, "/v1/messages", '{"model":"qwen-max","max_tokens":9,"messages":[{"role":"user","content":"hi"}]}'));
    expect(v.converter).not.toBeNull();
    expect(v.path).toBe("/compatible-mode/v1/chat/completions");
  });
  it("invalid input becomes a client-protocol error", () => {
    const u = build(provider('{"type":"claude"}'), client(Api.ChatCompletions, "/v1/chat/completions", '{"model":"m","messages":5}'));
    expect(u.failed).toBe(true);
    expect(u.errorStatus).toBe(400);
    expect(u.errorBody.includes('"error"')).toBe(true);
  });
});

describe("upstream request: errors and auth", () => {
  it("missing model, unsupported API", () => {
    expect(build(provider('{"type":"openai"}'), client(Api.ChatCompletions, "/v1/chat/completions", '{"messages":[]}')).error).toBe("model: required");
    const u = build(provider('{"type":"claude"}'), client(Api.Embeddings, "/v1/embeddings", '{"model":"m","input":"x"}'));
    expect(u.errorStatus).toBe(404);
  });
  it("no key -> no auth header; original protocol keeps path and body", () => {
    const u = build(provider('{"type":"claude","protocol":"original"}'), client(Api.Messages, "/v1/messages", '{"model":"m"}'), "");
    expect(u.headers.length).toBe(1); // anthropic-version only
    expect(u.body).toBeNull();
  });
  it("reads the client's key from any auth header", () => {
    expect(clientKeyFrom("Bearer abc", null, null, null)).toBe("abc");
    expect(clientKeyFrom(null, "k2", null, null)).toBe("k2");
    expect(clientKeyFrom("Basic x", null, "k3", null)).toBe("k3");
    expect(clientKeyFrom(null, null, null, null)).toBe("");
  });
});
