// as-pect runs the AssemblyScript unit tests (pure logic: converters, SSE, config parsing, windows).
// Specs live beside the code in __tests__/ folders.
export default {
  entries: ["assembly/**/__tests__/**/*.spec.ts", "plugins/**/__tests__/**/*.spec.ts"],
  include: ["assembly/**/__tests__/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    return instantiate(binary, createImports({ env: { memory } }));
  },
  outputBinary: false,
};
