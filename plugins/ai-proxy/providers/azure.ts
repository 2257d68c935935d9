// Azure OpenAI (type "azure"): OpenAI bodies, `api-key: <key>` auth, the deployment in the path
// and `api-version` in the query; the `developer` role is kept. `azureServiceUrl` has three forms
// (Higress README):
//   full endpoint  https://R.openai.azure.com/openai/deployments/D/chat/completions?api-version=V
//                  -> that endpoint only
//   deployment     https://R.openai.azure.com/openai/deployments/D?api-version=V
//                  -> /openai/deployments/D/<api>?api-version=V (the deployment stays fixed)
//   resource       https://R.openai.azure.com?api-version=V
//                  -> /openai/deployments/<mapped model>/<api>?api-version=V
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider } from "./provider";
import { parseUrl, queryParam } from "./url";
import { endpointApi } from "./openai-paths";

const DEPLOYMENTS = "/openai/deployments";

export class AzureProvider extends Provider {
  serviceHost: string = "";
  query: string = "";
  deploymentPath: string = ""; // "/openai/deployments/D" in the deployment form
  directApi: Api = Api.Unknown;
  directPath: string = "";

  ownFields(): string[] {
    return ["azureServiceUrl"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    const p = fieldPath(path, "azureServiceUrl");
    if (!f.require(obj, "azureServiceUrl", path)) return;
    const u = parseUrl(f.str(obj, "azureServiceUrl", path, ""));
    if (u.error !== null) {
      f.fail(p, u.error!);
      return;
    }
    if (queryParam(u.query, "api-version").length == 0) {
      f.fail(p, "must include the api-version query parameter");
      return;
    }
    this.serviceHost = u.host;
    this.query = u.query;
    const api = endpointApi(u.path);
    if (api != Api.Unknown) {
      this.directApi = api;
      this.directPath = u.path;
    } else if (u.path.startsWith(DEPLOYMENTS + "/")) {
      this.deploymentPath = u.path;
    } else if (u.path.length > 0 && u.path != "/openai") {
      f.fail(p, "expected a resource URL, a /openai/deployments/<name> URL or a full endpoint URL");
    }
  }

  defaultHost(): string {
    return this.serviceHost;
  }

  upstreamProtocol(api: Api): Protocol {
    return Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    const q = "?" + this.query;
    const wanted = api == Api.Messages ? Api.ChatCompletions : api;
    if (this.directApi != Api.Unknown) return wanted == this.directApi ? this.directPath + q : "";
    if (wanted == Api.Models) return "/openai/models" + q;
    let suffix = "";
    if (wanted == Api.ChatCompletions) suffix = "/chat/completions";
    else if (wanted == Api.Completions) suffix = "/completions";
    else if (wanted == Api.Embeddings) suffix = "/embeddings";
    else return "";
    const deployment = this.deploymentPath.length > 0 ? this.deploymentPath : DEPLOYMENTS + "/" + model;
    return deployment + suffix + q;
  }

  pathNeedsBody(api: Api): bool {
    return this.directApi == Api.Unknown && this.deploymentPath.length == 0 && api != Api.Models;
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    out.push(new HeaderPair("api-key", key));
  }

  keepsDeveloperRole(): bool {
    return true;
  }
}
