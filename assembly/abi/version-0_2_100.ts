// ABI marker for Higress: its cpp-host enables the Higress extras (StopIteration pass-through,
// redis calls) only for modules exporting this. scripts/build.mjs adds it to the Higress build.
export function proxy_abi_version_0_2_100(): void {}
