// DeepSeek (type "deepseek"): https://api.deepseek.com/v1 (OpenAI chat and models, Bearer), and
// an Anthropic-compatible Messages endpoint at /anthropic/v1/messages (x-api-key), so Anthropic
// clients are forwarded without conversion. DeepSeek has no embeddings API.
import { JSON } from "json-as";
import { JsonFields } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { DEFAULT_ANTHROPIC_VERSION } from "./anthropic";

export class DeepSeekProvider extends Provider {
  ownFields(): string[] {
    return [];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {}

  defaultHost(): string {
    return "api.deepseek.com";
  }

  upstreamProtocol(api: Api): Protocol {
    return api == Api.Messages ? Protocol.Anthropic : Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    if (api == Api.Messages) return "/anthropic/v1/messages";
    if (api == Api.ChatCompletions) return "/v1/chat/completions";
    if (api == Api.Models) return "/v1/models";
    return "";
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    if (api == Api.Messages) out.push(new HeaderPair("x-api-key", key));
    else addBearer(key, out);
  }

  addExtraHeaders(api: Api, out: HeaderPair[]): void {
    if (api == Api.Messages) out.push(new HeaderPair("anthropic-version", DEFAULT_ANTHROPIC_VERSION));
  }
}
