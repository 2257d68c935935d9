import { parseConfigText, Config } from "../config";
import { decide, HeaderLookup } from "../routing";

class Headers extends HeaderLookup {
  names: string[] = [];
  values: string[] = [];
  set(n: string, v: string): Headers {
    this.names.push(n);
    this.values.push(v);
    return this;
  }
  get(name: string): string | null {
    for (let i = 0; i < this.names.length; i++) if (this.names[i] == name) return this.values[i];
    return null;
  }
}

const PROVIDERS = '"providers":[{"id":"cloud","type":"openai"},{"id":"local","type":"vllm","vllmServerHost":"q:8080","cluster":"q"}],"activeProviderId":"cloud"';

function cfg(routing: string): Config {
  const r = parseConfigText("{" + PROVIDERS + ',"routing":' + routing + "}");
  if (r.error !== null) log<string>(r.error!);
  return r.config!;
}

function err(routing: string): string {
  const r = parseConfigText("{" + PROVIDERS + ',"routing":' + routing + "}");
  return r.error !== null ? r.error! : "";
}

describe("routing: endpointMetadata", () => {
  it("a winning tag or model rule carries its endpoint metadata; weights and default carry none", () => {
    const c = cfg('{"tags":[{"header":"x-ai-tag","value":"a100","provider":"local","endpointMetadata":{"GPU":"a100","version":"v2"}}],' +
      '"models":[{"model":"qwen-*","provider":"local","endpointMetadata":{"gpu":"t4"}}]}');
    expect(c.routing.endpointHeaderPrefix).toBe("x-ai-endpoint-");
    const tagged = decide(c, new Headers().set("x-ai-tag", "a100"), "qwen-7b", "", 0);
    expect(tagged.reason).toBe("tag");
    expect(tagged.endpoint.keys.join(",")).toBe("gpu,version");
    expect(tagged.endpoint.values.join(",")).toBe("a100,v2");
    const byModel = decide(c, new Headers(), "qwen-7b", "", 0);
    expect(byModel.reason).toBe("model");
    expect(byModel.endpoint.keys.join(",")).toBe("gpu");
    expect(byModel.endpoint.values.join(",")).toBe("t4");
    const plain = decide(c, new Headers(), "gpt-4o", "", 0);
    expect(plain.reason).toBe("default");
    expect(plain.endpoint.keys.length).toBe(0);
  });
  it("the header prefix is configurable and lower-cased", () => {
    expect(cfg('{"endpointHeaderPrefix":"X-Pick-"}').routing.endpointHeaderPrefix).toBe("x-pick-");
  });
  it("errors name the field", () => {
    expect(err('{"tags":[{"header":"x","value":"v","provider":"local"},{"header":"x","value":"w","provider":"local","endpointMetadata":{"gpu":5}}]}'))
      .toBe("routing.tags[1].endpointMetadata.gpu: expected string, got number");
    expect(err('{"tags":[{"header":"x","value":"v","provider":"local","endpointMetadata":{"g pu":"a"}}]}'))
      .toBe("routing.tags[0].endpointMetadata.g pu: key must be header-name characters (letters, digits, !#$%&'*+-.^_`|~)");
    expect(err('{"tags":[{"header":"x","value":"v","provider":"local","endpointMetadata":{"gpu":""}}]}'))
      .toBe("routing.tags[0].endpointMetadata.gpu: must not be empty");
    expect(err('{"tags":[{"header":"x","value":"v","provider":"local","endpointMetadata":{}}]}'))
      .toBe("routing.tags[0].endpointMetadata: must name at least one key");
    expect(err('{"tags":[{"header":"x","value":"v","provider":"local","endpointMetadata":"gpu=a100"}]}'))
      .toBe("routing.tags[0].endpointMetadata: expected object, got string");
    expect(err('{"models":[{"model":"q*","provider":"local","endpointMetadata":{"gpu":"a\\nb"}}]}'))
      .toBe("routing.models[0].endpointMetadata.gpu: must not contain CR, LF or NUL");
    expect(err('{"endpointHeaderPrefix":"x ai"}')).toBe("routing.endpointHeaderPrefix: must be header-name characters");
  });
});
