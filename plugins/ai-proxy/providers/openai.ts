// OpenAI (type "openai"): https://api.openai.com/v1, Bearer auth. `openaiCustomUrl` points at an
// OpenAI-compatible base (`host/myai/v1`) or a single endpoint (`host/myai/v1/chat/completions`).
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { parseUrl } from "./url";
import { openAiPath, endpointApi } from "./openai-paths";

export class OpenAIProvider extends Provider {
  customHost: string = "";
  basePathUp: string = "/v1";
  /** set when openaiCustomUrl names one endpoint: only that API is served */
  directApi: Api = Api.Unknown;
  directPath: string = "";

  ownFields(): string[] {
    return ["openaiCustomUrl"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    const url = f.str(obj, "openaiCustomUrl", path, "");
    if (url.length == 0) return;
    const u = parseUrl(url);
    if (u.error !== null) {
      f.fail(fieldPath(path, "openaiCustomUrl"), u.error!);
      return;
    }
    this.customHost = u.host;
    const api = endpointApi(u.path);
    if (api != Api.Unknown && api != Api.Models) {
      this.directApi = api;
      this.directPath = u.query.length > 0 ? u.path + "?" + u.query : u.path;
    } else this.basePathUp = u.path;
  }

  defaultHost(): string {
    return this.customHost.length > 0 ? this.customHost : "api.openai.com";
  }

  upstreamProtocol(api: Api): Protocol {
    return Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    if (this.directApi != Api.Unknown) {
      const wanted = api == Api.Messages ? Api.ChatCompletions : api;
      return wanted == this.directApi ? this.directPath : "";
    }
    return openAiPath(this.basePathUp, api);
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    addBearer(key, out);
  }

  keepsDeveloperRole(): bool {
    return true;
  }
}
