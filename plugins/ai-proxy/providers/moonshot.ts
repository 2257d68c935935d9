// Moonshot AI / Kimi (type "moonshot"): https://api.moonshot.cn/v1, OpenAI chat and models,
// Bearer auth. Moonshot has no embeddings or legacy completions API.
import { JSON } from "json-as";
import { JsonFields } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { openAiPath } from "./openai-paths";

export class MoonshotProvider extends Provider {
  ownFields(): string[] {
    return [];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {}

  defaultHost(): string {
    return "api.moonshot.cn";
  }

  upstreamProtocol(api: Api): Protocol {
    return Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    if (api == Api.Embeddings || api == Api.Completions) return "";
    return openAiPath("/v1", api);
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    addBearer(key, out);
  }
}
