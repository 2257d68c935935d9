// ABI marker for plain Envoy: the host looks for an export of this name and never calls it.
// scripts/build.mjs passes this file as an extra entry of the Envoy build.
export function proxy_abi_version_0_2_1(): void {}
