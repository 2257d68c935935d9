// Alibaba Qwen (type "qwen") through DashScope's OpenAI-compatible mode:
// https://dashscope.aliyuncs.com/compatible-mode/v1, Bearer auth. `qwenDomain` replaces the host
// (e.g. dashscope-finance.aliyuncs.com). Only compatible mode is implemented, so
// `qwenEnableCompatible: false` is rejected rather than silently ignored.
import { JSON } from "json-as";
import { JsonFields, fieldPath } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider, addBearer } from "./provider";
import { openAiPath } from "./openai-paths";
import { SettingColumn } from "../custom-settings";

export class QwenProvider extends Provider {
  domain: string = "dashscope.aliyuncs.com";

  /** customSettings in a `protocol: original` body: Higress's qwen column under parameters.. */
  originalSettingColumn(): SettingColumn { return SettingColumn.Qwen; }
  originalSettingPrefix(): string { return "parameters."; }

  ownFields(): string[] {
    return ["qwenDomain", "qwenEnableCompatible"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    const d = f.str(obj, "qwenDomain", path, "");
    if (d.length > 0) {
      if (d.includes("/") || d.includes(" ")) f.fail(fieldPath(path, "qwenDomain"), "expected a host name");
      else this.domain = d;
    }
    if (!f.bool(obj, "qwenEnableCompatible", path, true)) {
      f.fail(fieldPath(path, "qwenEnableCompatible"), "only DashScope compatible mode is supported (true)");
    }
  }

  defaultHost(): string {
    return this.domain;
  }

  upstreamProtocol(api: Api): Protocol {
    return Protocol.OpenAI;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    return openAiPath("/compatible-mode/v1", api);
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    addBearer(key, out);
  }
}
