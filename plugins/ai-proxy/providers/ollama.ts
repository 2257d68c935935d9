// Ollama (type "ollama"): its OpenAI-compatible API at http://<ollamaServerHost>:<ollamaServerPort>/v1
// (port 11434 by default). Ollama needs no key; configured apiTokens are sent as Bearer.
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { openAiPath } from "./openai-paths";

export class OllamaProvider extends Provider {
  serverHost: string = "";
  serverPort: i32 = 11434;

  ownFields(): string[] {
    return ["ollamaServerHost", "ollamaServerPort"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    if (f.require(obj, "ollamaServerHost", path)) {
      this.serverHost = f.str(obj, "ollamaServerHost", path, "");
      if (this.serverHost.includes("/") || this.serverHost.includes(":")) {
        f.fail(fieldPath(path, "ollamaServerHost"), "expected a host name without scheme or port");
      }
    }
    this.serverPort = <i32>f.int(obj, "ollamaServerPort", path, 11434, 1, 65535);
  }

  defaultHost(): string {
    return this.serverHost + ":" + this.serverPort.toString();
  }

  upstreamProtocol(api: Api): Protocol {
    return Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    return openAiPath("/v1", api);
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    addBearer(key, out);
  }
}
