// Cluster names as Higress builds its service hosts, so one plugin config works on both engines.

/** `<service>.<group>.<namespace>.nacos`, `_` -> `-` in the suffix only (Higress registry/nacos). */
export function nacosClusterName(service: string, group: string, namespaceId: string): string {
  const suffix = [group || "DEFAULT_GROUP", namespaceId || "public", "nacos"].join(".").replaceAll("_", "-");
  return `${service}.${suffix}`;
}

/** `<APP>.eureka` with the app name as the registry reports it (Eureka upper-cases app names). */
export function eurekaClusterName(app: string): string {
  return `${app.toUpperCase()}.eureka`;
}

export function staticClusterName(name: string): string {
  return `${name}.static`;
}

export function dnsClusterName(name: string): string {
  return `${name}.dns`;
}
