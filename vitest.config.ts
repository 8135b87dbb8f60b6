import { readFileSync } from "node:fs";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    {
      // The same contract as esbuild's text loader: `import src from "x.wgsl"` yields the file's text.
      name: "wgsl-as-text",
      enforce: "pre",
      load(id: string) {
        if (!id.endsWith(".wgsl")) return null;
        return `export default ${JSON.stringify(readFileSync(id, "utf8"))};`;
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    // dawn.node is a native addon: one process per test file, not worker threads.
    pool: "forks",
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
