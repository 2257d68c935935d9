import { parseConfigText, Config } from "../config";

function ok(text: string): Config {
  const r = parseConfigText(text);
  if (r.error !== null) log<string>(r.error!);
  expect(r.error).toBeNull();
  return r.config!;
}

function err(text: string): string {
  const r = parseConfigText(text);
  expect(r.config).toBeNull();
  return r.error !== null ? r.error! : "";
}

describe("config: Higress shapes", () => {
  it("accepts the legacy single provider object", () => {
    const c = ok('{"provider":{"type":"qwen","apiTokens":["k"],"modelMapping":{"gpt-3":"qwen-turbo","*":"qwen-max"}}}');
    expect(c.providers.length).toBe(1);
    expect(c.active!.id).toBe("qwen");
    expect(c.active!.modelMapping.map("gpt-3")).toBe("qwen-turbo");
    expect(c.active!.timeoutMs).toBe(120000);
  });
  it("accepts providers[] + activeProviderId", () => {
    const c = ok('{"providers":[{"id":"a","type":"openai","apiTokens":["x"]},{"id":"b","type":"claude","apiTokens":["y"],"claudeVersion":"2023-01-01"}],"activeProviderId":"b"}');
    expect(c.active!.id).toBe("b");
    expect(c.providers[1].type).toBe("claude");
  });
  it("reads failover and retryOnFailure with Higress defaults", () => {
    const c = ok('{"provider":{"type":"openai","apiTokens":["a","b"],"failover":{"enabled":true,"healthCheckModel":"gpt-4o-mini"},"retryOnFailure":{"enabled":true}}}');
    const p = c.active!;
    expect(p.failover.enabled).toBe(true);
    expect(p.failover.failureThreshold).toBe(3);
    expect(p.failover.successThreshold).toBe(1);
    expect(p.failover.healthCheckIntervalMs).toBe(5000);
    expect(p.failover.healthCheckTimeoutMs).toBe(5000);
    expect(p.failover.onStatus.matches(503)).toBe(true);
    expect(p.failover.onStatus.matches(200)).toBe(false);
    expect(p.retry.enabled).toBe(true);
    expect(p.retry.maxRetries).toBe(1);
    expect(p.retry.retryTimeoutMs).toBe(60000);
    expect(p.retry.onStatus.matches(429)).toBe(true);
  });
  it("accepts provider-specific fields unchanged", () => {
    ok('{"provider":{"type":"azure","apiTokens":["k"],"azureServiceUrl":"https://r.openai.azure.com/openai/deployments/d?api-version=2024-02-15-preview"}}');
    ok('{"provider":{"type":"qwen","apiTokens":["k"],"qwenDomain":"dashscope-finance.aliyuncs.com"}}');
    ok('{"provider":{"type":"ollama","ollamaServerHost":"ollama.local","ollamaServerPort":11434}}');
    ok('{"provider":{"type":"gemini","apiTokens":["k"],"geminiSafetySetting":{"HARM_CATEGORY_HATE_SPEECH":"BLOCK_NONE"}}}');
    ok('{"provider":{"type":"vllm","vllmCustomUrl":"http://qwen-local:8080/v1"}}');
  });
  it("warns about Higress fields it does not implement", () => {
    const c = ok('{"provider":{"type":"openai","apiTokens":["k"],"firstByteTimeout":5000}}');
    expect(c.warnings.length).toBe(1);
    expect(c.warnings[0]).toBe("provider.firstByteTimeout: not supported, ignored");
  });
  it("reads the Higress fields it implements (customSettings, reasoningContentMode, geminiThinkingBudget)", () => {
    const c = ok('{"provider":{"type":"gemini","apiTokens":["k"],"geminiThinkingBudget":0,"reasoningContentMode":"Concat","customSettings":[{"name":"max_tokens","value":5}]}}');
    expect(c.warnings.length).toBe(0);
    expect(c.providers[0].customSettings.length).toBe(1);
    expect(<i32>c.providers[0].reasoningMode).toBe(2);
    expect(err('{"provider":{"type":"gemini","apiTokens":["k"],"geminiThinkingBudget":-2}}')).toBe("provider.geminiThinkingBudget: expected an integer from -1 to 1000000");
    const ctx = ok('{"provider":{"type":"openai","apiTokens":["k"],"context":{"fileUrl":"http://f/x.txt","serviceName":"f.dns","servicePort":80}}}');
    expect(ctx.warnings[0]).toBe("provider.context: not supported, ignored (the context file is not fetched nor added to requests)");
  });
});

describe("config: errors name the field", () => {
  it("bad JSON and wrong shapes", () => {
    expect(err("{").startsWith("configuration is not valid JSON")).toBe(true);
    expect(err("[]")).toBe("configuration: expected a JSON object");
    expect(err("{}")).toBe("provider: required: set provider or providers");
  });
  it("unknown types and fields", () => {
    expect(err('{"provider":{"type":"nope"}}').startsWith("provider.type: unknown provider type 'nope'")).toBe(true);
    expect(err('{"provider":{"type":"openai","apiToken":["k"]}}')).toBe("provider.apiToken: unknown field for provider type 'openai'");
    expect(err('{"provider":{"type":"openai"},"extra":1}')).toBe("extra: unknown field");
  });
  it("type errors", () => {
    expect(err('{"provider":{"type":"openai","apiTokens":"k"}}')).toBe("provider.apiTokens: expected array, got string");
    expect(err('{"provider":{"type":"openai","timeout":"x"}}')).toBe("provider.timeout: expected integer, got string");
    expect(err('{"providers":[{"id":"a","type":"openai","modelMapping":{"x":5}}],"activeProviderId":"a"}')).toBe("providers[0].modelMapping.x: expected string, got number");
  });
  it("provider-specific validation", () => {
    expect(err('{"provider":{"type":"azure","azureServiceUrl":"https://r.openai.azure.com/openai/deployments/d"}}')).toBe("provider.azureServiceUrl: must include the api-version query parameter");
    expect(err('{"provider":{"type":"azure"}}')).toBe("provider.azureServiceUrl: required");
    expect(err('{"provider":{"type":"ollama"}}')).toBe("provider.ollamaServerHost: required");
    expect(err('{"provider":{"type":"openai","failover":{"enabled":true}}}')).toBe("provider.failover.healthCheckModel: required when failover is enabled");
    expect(err('{"provider":{"type":"openai","protocol":"x"}}')).toBe("provider.protocol: expected \"openai\" or \"original\"");
    expect(err('{"provider":{"type":"openai","modelMapping":{"~(":"x"}}}').startsWith("provider.modelMapping[\"~(\"]: invalid regular expression")).toBe(true);
    expect(err('{"provider":{"type":"openai","retryOnFailure":{"retryOnStatus":["5(("]}}}').startsWith("provider.retryOnFailure.retryOnStatus[0]: invalid status pattern")).toBe(true);
  });
  it("provider lists", () => {
    expect(err('{"providers":[{"type":"openai"}],"activeProviderId":"a"}')).toBe("providers[0].id: required");
    expect(err('{"providers":[{"id":"a","type":"openai"},{"id":"a","type":"qwen"}],"activeProviderId":"a"}')).toBe("providers[1].id: duplicate id 'a'");
    expect(err('{"providers":[{"id":"a","type":"openai"}],"activeProviderId":"b"}')).toBe("activeProviderId: no provider with id 'b'");
    expect(err('{"providers":[{"id":"a","type":"openai"},{"id":"b","type":"openai"}]}')).toBe("activeProviderId: required when several providers are configured without weights");
    expect(err('{"provider":{"type":"openai"},"providers":[]}')).toBe("provider: set provider or providers, not both");
  });
});

describe("config: extensions", () => {
  it("weights, routing, cache", () => {
    const c = ok('{"providers":[{"id":"a","type":"openai","weight":90,"cluster":"ca"},{"id":"b","type":"qwen","weight":10,"variant":"B","cluster":"cb"}],' +
      '"routing":{"sticky":{"header":"X-Mse-Consumer"},"tags":[{"header":"x-tag","value":"beta","provider":"b"}],"fallback":["b"]},' +
      '"cache":{"ttl":1000,"maxEntries":8}}');
    expect(c.totalWeight).toBe(100);
    expect(c.weighted.length).toBe(2);
    expect(c.active).toBeNull();
    expect(c.routing.stickyHeader).toBe("x-mse-consumer");
    expect(c.routing.clusterHeader).toBe("x-ai-cluster");
    expect(c.routing.fallback[0].provider.id).toBe("b");
    expect(c.routing.fallbackOnStatus.matches(429)).toBe(true);
    expect(c.routing.fallbackOnStatus.matches(400)).toBe(false);
    expect(c.cache.enabled).toBe(true);
    expect(c.cache.maxEntries).toBe(8);
  });
  it("routing errors", () => {
    expect(err('{"providers":[{"id":"a","type":"openai"}],"activeProviderId":"a","routing":{"fallback":["zz"]}}')).toBe("routing.fallback[0]: no provider with id 'zz'");
    expect(err('{"providers":[{"id":"a","type":"openai"},{"id":"b","type":"openai"}],"activeProviderId":"a","routing":{"fallback":["b"]}}')).toBe("routing.fallback[0]: provider 'b' needs a cluster to be called as a fallback");
    expect(err('{"provider":{"type":"openai"},"routing":{"sticky":{}}}')).toBe("routing.sticky: set exactly one of header or bodyField");
    expect(err('{"provider":{"type":"openai"},"routing":{"tags":[{"header":"x","provider":"openai"}]}}')).toBe("routing.tags[0]: set value or regex");
    expect(err('{"providers":[{"id":"a","type":"openai","weight":1}],"activeProviderId":"a"}')).toBe("activeProviderId: cannot be combined with provider weights");
  });
  it("headerHold false rejects what needs the body before the headers", () => {
    expect(err('{"provider":{"type":"gemini"},"headerHold":false}')).toBe("headerHold: provider 'gemini' (gemini) puts the model in the path and needs headerHold");
    expect(err('{"provider":{"type":"openai"},"headerHold":false,"routing":{"sticky":{"bodyField":"user"}}}').startsWith("routing: model rules")).toBe(true);
    ok('{"provider":{"type":"openai"},"headerHold":false}');
  });
});
