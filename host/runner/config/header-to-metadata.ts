// envoy.extensions.filters.http.header_to_metadata.v3.Config -> HeaderToMetadataConfig, with the
// checks Envoy makes when it loads one (header_to_metadata_filter.cc Rule::Rule). Supported:
// request_rules[] with header, on_header_present / on_header_missing (metadata_namespace, key,
// value, type STRING or NUMBER) and remove. Not supported: response_rules, cookie,
// regex_value_rewrite, type PROTOBUF_VALUE, encode BASE64.
import type { HeaderToMetadataConfig, HeaderToMetadataRule, MetadataKeyValue } from "../../contract.ts";
import { Fields } from "./reader.ts";

export const HEADER_TO_METADATA = "type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config";
const TYPES = ["STRING", "NUMBER", "PROTOBUF_VALUE"] as const;
const ENCODES = ["NONE", "BASE64"] as const;

export function readHeaderToMetadata(tc: Fields, filterName: string): HeaderToMetadataConfig {
  const requestRules: HeaderToMetadataRule[] = [];
  for (const { f } of tc.messages("request_rules")) {
    const rule = readRule(f);
    if (rule) requestRules.push(rule);
  }
  if (tc.list("response_rules").length > 0) tc.problems.add(tc.at("response_rules"), "not supported by the local runner");
  tc.done();
  return { filterName, requestRules };
}

function readRule(f: Fields): HeaderToMetadataRule | null {
  const header = f.str("header").toLowerCase();
  if (f.raw("cookie") !== undefined) f.problems.add(f.at("cookie"), "not supported by the local runner");
  else if (header === "") f.problems.add(f.path, "One of Cookie or Header option needs to be specified"); // Envoy's text
  const present = f.message("on_header_present");
  const missing = f.message("on_header_missing");
  const onPresent = present ? readKeyValue(present) : undefined;
  const onMissing = missing ? readKeyValue(missing) : undefined;
  if (!present && !missing) f.problems.add(f.path, `header to metadata filter: rule for ${header} has neither \`on_header_present\` nor \`on_header_missing\` set`);
  if (onMissing && onMissing.value === "") f.problems.add(f.at("on_header_missing"), "Cannot specify on_header_missing rule with an empty value");
  const remove = f.bool("remove");
  f.done();
  return { header, onPresent, onMissing, remove };
}

function readKeyValue(f: Fields): MetadataKeyValue {
  const namespace = f.str("metadata_namespace");
  const key = f.str("key");
  if (key === "") f.problems.add(f.at("key"), "required (at least one character)"); // proto min_len 1
  const value = f.str("value");
  if (f.raw("regex_value_rewrite") !== undefined) f.problems.add(f.at("regex_value_rewrite"), "not supported by the local runner");
  const type = f.enumOf("type", TYPES, "STRING");
  if (type === "PROTOBUF_VALUE") f.problems.add(f.at("type"), "PROTOBUF_VALUE: not supported by the local runner");
  if (f.enumOf("encode", ENCODES, "NONE") !== "NONE") f.problems.add(f.at("encode"), "BASE64: not supported by the local runner");
  f.done();
  return { namespace, key, value, type: type === "NUMBER" ? "NUMBER" : "STRING" };
}
