// Anthropic Claude (type "claude"): https://api.anthropic.com/v1/messages, `x-api-key` auth and
// `anthropic-version` (`claudeVersion`, default 2023-06-01). OpenAI chat clients are converted
// to Messages; Anthropic clients pass through. `defaultMaxTokens` (this project) is the
// max_tokens sent when an OpenAI request has none (Anthropic requires it).
import { JSON } from "json-as";
import { JsonFields } from "../../shared/json-fields";
import { HeaderPair } from "../../../assembly/pairs";
import { Api, Protocol } from "../api";
import { Provider } from "./provider";
import { SettingColumn } from "../custom-settings";

export const DEFAULT_ANTHROPIC_VERSION = "2023-06-01";

export class AnthropicProvider extends Provider {
  version: string = DEFAULT_ANTHROPIC_VERSION;
  defaultMaxTokens_: i64 = 4096;

  /** customSettings in a `protocol: original` body: Higress's anthropic column. */
  originalSettingColumn(): SettingColumn { return SettingColumn.Claude; }
  originalSettingPrefix(): string { return ""; }

  ownFields(): string[] {
    return ["claudeVersion", "apiVersion", "defaultMaxTokens"];
  }

  parseOwn(f: JsonFields, obj: JSON.Obj, path: string): void {
    // Higress reads claudeVersion, then apiVersion.
    let v = f.str(obj, "claudeVersion", path, "");
    if (v.length == 0) v = f.str(obj, "apiVersion", path, "");
    if (v.length > 0) this.version = v;
    this.defaultMaxTokens_ = f.int(obj, "defaultMaxTokens", path, 4096, 1, 10000000);
  }

  defaultMaxTokens(): i64 {
    return this.defaultMaxTokens_;
  }

  defaultHost(): string {
    return "api.anthropic.com";
  }

  upstreamProtocol(api: Api): Protocol {
    return Protocol.Anthropic;
  }

  defaultPath(api: Api, model: string, stream: bool): string {
    return api == Api.ChatCompletions || api == Api.Messages ? "/v1/messages" : "";
  }

  addAuth(api: Api, key: string, out: HeaderPair[]): void {
    out.push(new HeaderPair("x-api-key", key));
  }

  addExtraHeaders(api: Api, out: HeaderPair[]): void {
    out.push(new HeaderPair("anthropic-version", this.version));
  }
}
