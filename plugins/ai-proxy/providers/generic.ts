// Generic pass-through (type "generic"): no API knowledge and no body conversion. The client's
// path is kept (after basePath handling), `genericHost` replaces :authority when set, and
// apiTokens are sent as Bearer. Model mapping and key handling still apply.
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol, clientProtocol } from "../api";
import { Provider, addBearer } from "./provider";

export class GenericProvider extends Provider {
  genericHost: string = "";

  ownFields(): string[] {
    return ["genericHost"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    this.genericHost = f.str(obj, "genericHost", path, "");
    if (this.genericHost.includes("/")) f.fail(fieldPath(path, "genericHost"), "expected host[:port]");
  }

  /** "" = keep the client's :authority. */
  defaultHost(): string {
    return this.genericHost;
  }

  upstreamProtocol(api: Api): Protocol {
    return clientProtocol(api);
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    return "";
  }

  keepsClientPath(): bool {
    return true;
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    addBearer(key, out);
  }
}
