// vLLM and other self-hosted OpenAI-compatible servers (type "vllm"). This is how models behind
// a service registry are reached: the route's cluster (or `cluster`, e.g.
// `outbound|8080||qwen-local.DEFAULT-GROUP.public.nacos`) carries the traffic and this provider
// sets the host and base path.
//   vllmCustomUrl   "http://qwen-local:8080/v1" (a base) or ".../v1/chat/completions" (one endpoint)
//   vllmServerHost  "qwen-local:8080" (base path /v1); default host vllm-service.cluster.local
//   nativeMessages  true when the server speaks Anthropic /v1/messages itself (recent vLLM);
//                   otherwise Anthropic clients are converted to chat completions.
// apiTokens are optional (Bearer).
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { parseUrl } from "./url";
import { openAiPath, endpointApi } from "./openai-paths";

export class VllmProvider extends Provider {
  serverHost: string = "vllm-service.cluster.local";
  base: string = "/v1";
  directApi: Api = Api.Unknown;
  directPath: string = "";
  nativeMessages: bool = false;

  ownFields(): string[] {
    return ["vllmCustomUrl", "vllmServerHost", "nativeMessages"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    this.nativeMessages = f.bool(obj, "nativeMessages", path, false);
    const url = f.str(obj, "vllmCustomUrl", path, "");
    if (url.length > 0) {
      const u = parseUrl(url);
      if (u.error !== null) {
        f.fail(fieldPath(path, "vllmCustomUrl"), u.error!);
        return;
      }
      this.serverHost = u.host;
      const api = endpointApi(u.path);
      if (api != Api.Unknown && api != Api.Models) {
        this.directApi = api;
        this.directPath = u.query.length > 0 ? u.path + "?" + u.query : u.path;
      } else this.base = u.path;
      return;
    }
    const host = f.str(obj, "vllmServerHost", path, "");
    if (host.length > 0) {
      if (host.includes("/")) f.fail(fieldPath(path, "vllmServerHost"), "expected host[:port] without scheme or path");
      else this.serverHost = host;
    }
  }

  defaultHost(): string {
    return this.serverHost;
  }

  upstreamProtocol(api: Api): Protocol {
    return api == Api.Messages && this.nativeMessages ? Protocol.Anthropic : Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    if (this.directApi != Api.Unknown) {
      const wanted = api == Api.Messages && !this.nativeMessages ? Api.ChatCompletions : api;
      return wanted == this.directApi ? this.directPath : "";
    }
    if (api == Api.Messages && this.nativeMessages) return this.base + "/messages";
    return openAiPath(this.base, api);
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    addBearer(key, out);
  }
}
