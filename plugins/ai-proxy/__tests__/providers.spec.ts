import { parseConfigText } from "../config";
import { Provider } from "../providers/provider";
import { Api, Protocol } from "../api";
import { HeaderPair } from "../../../assembly/pairs";

function provider(json: string): Provider {
  const r = parseConfigText('{"provider":' + json + "}");
  if (r.error !== null) log<string>(r.error!);
  expect(r.error).toBeNull();
  return r.config!.active!;
}

function auth(p: Provider, api: Api): string {
  const out: HeaderPair[] = [];
  p.addAuth(api, "K", out);
  p.addExtraHeaders(api, out);
  let s = "";
  for (let i = 0; i < out.length; i++) s += (i > 0 ? ";" : "") + out[i].key + "=" + out[i].value;
  return s;
}

describe("providers: hosts, paths, auth", () => {
  it("openai", () => {
    const p = provider('{"type":"openai"}');
    expect(p.host()).toBe("api.openai.com");
    expect(p.upstreamPath(Api.ChatCompletions, "m", false, "/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(p.upstreamPath(Api.Embeddings, "m", false, "")).toBe("/v1/embeddings");
    expect(p.upstreamPath(Api.Models, "", false, "")).toBe("/v1/models");
    expect(p.upstreamPath(Api.Messages, "m", false, "")).toBe("/v1/chat/completions");
    expect(p.protocolFor(Api.Messages)).toBe(Protocol.OpenAI);
    expect(auth(p, Api.ChatCompletions)).toBe("authorization=Bearer K");
    expect(p.keepsDeveloperRole()).toBe(true);
  });
  it("openai custom url: base or one endpoint", () => {
    const base = provider('{"type":"openai","openaiCustomUrl":"https://example.com/myai/v1"}');
    expect(base.host()).toBe("example.com");
    expect(base.upstreamPath(Api.Embeddings, "m", false, "")).toBe("/myai/v1/embeddings");
    const one = provider('{"type":"openai","openaiCustomUrl":"example.com/myai/v1/chat/completions"}');
    expect(one.upstreamPath(Api.ChatCompletions, "m", false, "")).toBe("/myai/v1/chat/completions");
    expect(one.supports(Api.Embeddings)).toBe(false);
  });
  it("azure: deployment, resource and full forms", () => {
    const dep = provider('{"type":"azure","azureServiceUrl":"https://r.openai.azure.com/openai/deployments/d1?api-version=2024-02-01"}');
    expect(dep.host()).toBe("r.openai.azure.com");
    expect(dep.upstreamPath(Api.ChatCompletions, "gpt-4o", false, "")).toBe("/openai/deployments/d1/chat/completions?api-version=2024-02-01");
    expect(dep.upstreamPath(Api.Embeddings, "x", false, "")).toBe("/openai/deployments/d1/embeddings?api-version=2024-02-01");
    expect(dep.upstreamPath(Api.Models, "", false, "")).toBe("/openai/models?api-version=2024-02-01");
    expect(dep.pathNeedsBody(Api.ChatCompletions)).toBe(false);
    const res = provider('{"type":"azure","azureServiceUrl":"https://r.openai.azure.com?api-version=2024-02-01"}');
    expect(res.upstreamPath(Api.ChatCompletions, "gpt-4o", true, "")).toBe("/openai/deployments/gpt-4o/chat/completions?api-version=2024-02-01");
    expect(res.pathNeedsBody(Api.ChatCompletions)).toBe(true);
    const full = provider('{"type":"azure","azureServiceUrl":"https://r.openai.azure.com/openai/deployments/d/chat/completions?api-version=v"}');
    expect(full.upstreamPath(Api.ChatCompletions, "x", false, "")).toBe("/openai/deployments/d/chat/completions?api-version=v");
    expect(full.supports(Api.Embeddings)).toBe(false);
    expect(auth(dep, Api.ChatCompletions)).toBe("api-key=K");
    expect(dep.keepsDeveloperRole()).toBe(true);
  });
  it("claude", () => {
    const p = provider('{"type":"claude","claudeVersion":"2024-01-01"}');
    expect(p.host()).toBe("api.anthropic.com");
    expect(p.upstreamPath(Api.ChatCompletions, "m", true, "")).toBe("/v1/messages");
    expect(p.protocolFor(Api.ChatCompletions)).toBe(Protocol.Anthropic);
    expect(p.supports(Api.Embeddings)).toBe(false);
    expect(auth(p, Api.Messages)).toBe("x-api-key=K;anthropic-version=2024-01-01");
    expect(auth(provider('{"type":"claude"}'), Api.Messages)).toBe("x-api-key=K;anthropic-version=2023-06-01");
    expect(p.keepsDeveloperRole()).toBe(false);
  });
  it("gemini", () => {
    const p = provider('{"type":"gemini"}');
    expect(p.host()).toBe("generativelanguage.googleapis.com");
    expect(p.upstreamPath(Api.ChatCompletions, "gemini-2.0-flash", false, "")).toBe("/v1beta/models/gemini-2.0-flash:generateContent");
    expect(p.upstreamPath(Api.ChatCompletions, "gemini-2.0-flash", true, "")).toBe("/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse");
    expect(p.protocolFor(Api.Messages)).toBe(Protocol.Gemini);
    expect(auth(p, Api.ChatCompletions)).toBe("x-goog-api-key=K");
    expect(p.pathNeedsBody(Api.ChatCompletions)).toBe(true);
    expect(p.protocolFor(Api.Embeddings)).toBe(Protocol.OpenAI);
    expect(auth(p, Api.Embeddings)).toBe("authorization=Bearer K");
    const v1 = provider('{"type":"gemini","apiVersion":"v1"}');
    expect(v1.upstreamPath(Api.ChatCompletions, "g", false, "")).toBe("/v1/models/g:generateContent");
  });
  it("qwen, deepseek, moonshot", () => {
    const q = provider('{"type":"qwen","qwenDomain":"dashscope-intl.aliyuncs.com"}');
    expect(q.host()).toBe("dashscope-intl.aliyuncs.com");
    expect(q.upstreamPath(Api.ChatCompletions, "m", false, "")).toBe("/compatible-mode/v1/chat/completions");
    expect(q.upstreamPath(Api.Embeddings, "m", false, "")).toBe("/compatible-mode/v1/embeddings");
    const d = provider('{"type":"deepseek"}');
    expect(d.host()).toBe("api.deepseek.com");
    expect(d.upstreamPath(Api.Messages, "m", false, "")).toBe("/anthropic/v1/messages");
    expect(d.protocolFor(Api.Messages)).toBe(Protocol.Anthropic);
    expect(auth(d, Api.Messages)).toBe("x-api-key=K;anthropic-version=2023-06-01");
    expect(d.supports(Api.Embeddings)).toBe(false);
    const m = provider('{"type":"moonshot"}');
    expect(m.host()).toBe("api.moonshot.cn");
    expect(m.upstreamPath(Api.ChatCompletions, "m", false, "")).toBe("/v1/chat/completions");
  });
  it("ollama, vllm, generic", () => {
    const o = provider('{"type":"ollama","ollamaServerHost":"gpu1"}');
    expect(o.host()).toBe("gpu1:11434");
    expect(o.upstreamPath(Api.Embeddings, "m", false, "")).toBe("/v1/embeddings");
    const v = provider('{"type":"vllm","vllmCustomUrl":"http://qwen-local:8080/serve/v1","cluster":"outbound|8080||qwen-local.DEFAULT-GROUP.public.nacos"}');
    expect(v.host()).toBe("qwen-local:8080");
    expect(v.upstreamPath(Api.ChatCompletions, "m", false, "")).toBe("/serve/v1/chat/completions");
    expect(v.upstreamPath(Api.Messages, "m", false, "")).toBe("/serve/v1/chat/completions");
    expect(v.cluster).toBe("outbound|8080||qwen-local.DEFAULT-GROUP.public.nacos");
    const vn = provider('{"type":"vllm","vllmServerHost":"h:8000","nativeMessages":true}');
    expect(vn.upstreamPath(Api.Messages, "m", false, "")).toBe("/v1/messages");
    expect(vn.protocolFor(Api.Messages)).toBe(Protocol.Anthropic);
    const g = provider('{"type":"generic","genericHost":"llm.internal","basePath":"/proxy"}');
    expect(g.host()).toBe("llm.internal");
    expect(g.upstreamPath(Api.ChatCompletions, "m", false, "/proxy/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(g.protocolFor(Api.Messages)).toBe(Protocol.Anthropic);
  });
  it("capabilities, basePath prepend, protocol original, providerDomain", () => {
    const p = provider('{"type":"qwen","capabilities":{"openai/v1/chatcompletions":"/api/v2/chat"},"basePath":"/gw","basePathHandling":"prepend","providerDomain":"q.internal"}');
    expect(p.upstreamPath(Api.ChatCompletions, "m", false, "")).toBe("/gw/api/v2/chat");
    expect(p.host()).toBe("q.internal");
    const o = provider('{"type":"claude","protocol":"original"}');
    expect(o.upstreamPath(Api.ChatCompletions, "m", false, "/v1/chat/completions")).toBe("/v1/chat/completions");
    expect(o.protocolFor(Api.ChatCompletions)).toBe(Protocol.OpenAI);
  });
});
