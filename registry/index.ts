// Library entry of the registry bridge (README.md).
export { Bridge, type BridgeOptions, type TargetStatus } from "./bridge.ts";
export { buildConfig, parseConfigText, flagsToDoc, type BridgeConfig } from "./config.ts";
export { NacosClient, NacosServiceSource, NacosCatalog } from "./nacos.ts";
export { EurekaAppSource } from "./eureka.ts";
export { StaticSource } from "./static.ts";
export { DnsSource } from "./dns.ts";
export { parseNacosInstances, parseServiceList } from "./nacos-parse.ts";
export { parseEurekaAppBody, parseEurekaApplication } from "./eureka-parse.ts";
export { EdsWriter, clusterLoadAssignment, renderEdsFile, resolveInstances, edsFileName, CLA_TYPE, LB_METADATA_KEY, ORIGIN_METADATA_KEY } from "./eds-writer.ts";
export { nacosClusterName, eurekaClusterName, staticClusterName, dnsClusterName } from "./names.ts";
export type { Instance, PollResult, Source, Catalog, Log } from "./types.ts";
