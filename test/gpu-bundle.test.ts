/**
 * The pieces of the GPU run bundle (scripts/bundle-gpu.mjs, bench/gpu-run.ts) that can be checked without
 * building it: the Vulkan driver search over a fake file tree, and the kernel-case runner in Node (cases, forced
 * variant passes, a failing case reported rather than thrown, a pass skipped for a missing feature).
 * scripts/test-gpu-bundle.sh builds the bundle and runs it end to end from an empty folder without the system Node.
 */
import { describe, expect, it } from "vitest";
import { CHECK_PASSES, runKernelChecks } from "../bench/kernel-check.js";
import { type DriverFs, findVulkanDrivers, loaderFolders } from "../bench/vulkan-drivers.js";
import { testEngine } from "./helpers/engine.js";

/** A file tree in memory: paths of files (with their text) and the folders they imply. */
function fakeFs(files: Record<string, string>): DriverFs & { written: Record<string, string> } {
  const written: Record<string, string> = {};
  const all = () => ({ ...files, ...written });
  const isDirectory = (path: string) => Object.keys(all()).some((f) => f.startsWith(`${path}/`));
  return {
    written,
    exists: (path) => path in all() || isDirectory(path),
    isDirectory,
    list: (dir) => [
      ...new Set(
        Object.keys(all())
          .filter((f) => f.startsWith(`${dir}/`))
          .map((f) => f.slice(dir.length + 1).split("/")[0]),
      ),
    ],
    read: (path) => {
      if (!(path in all())) throw new Error(`ENOENT ${path}`);
      return all()[path];
    },
    write: (path, text) => {
      written[path] = text;
    },
  };
}

const manifest = (library: string) =>
  JSON.stringify({ file_format_version: "1.0.0", ICD: { library_path: library, api_version: "1.3.0" } });

describe("Vulkan driver search", () => {
  it("lists the loader's folders in its order, from the XDG variables or their defaults", () => {
    expect(loaderFolders({ HOME: "/home/u" })).toEqual([
      "/home/u/.config/vulkan/icd.d",
      "/etc/xdg/vulkan/icd.d",
      "/etc/vulkan/icd.d",
      "/home/u/.local/share/vulkan/icd.d",
      "/usr/local/share/vulkan/icd.d",
      "/usr/share/vulkan/icd.d",
    ]);
    expect(loaderFolders({ XDG_CONFIG_DIRS: "/c1:/c2", XDG_DATA_DIRS: "/d", XDG_DATA_HOME: "/dh" })).toEqual([
      "/c1/vulkan/icd.d",
      "/c2/vulkan/icd.d",
      "/etc/vulkan/icd.d",
      "/dh/vulkan/icd.d",
      "/d/vulkan/icd.d",
    ]);
  });

  it("takes VK_DRIVER_FILES before VK_ICD_FILENAMES and reports a path that does not exist", () => {
    const fs = fakeFs({ "/opt/a.json": manifest("liba.so"), "/usr/share/vulkan/icd.d/n.json": manifest("libn.so") });
    const found = findVulkanDrivers(
      { VK_DRIVER_FILES: "/opt/a.json:/opt/missing.json", VK_ICD_FILENAMES: "/usr/share/vulkan/icd.d/n.json" },
      fs,
      "/w",
    );
    expect(found.source).toBe("env");
    expect(found.drivers).toEqual([{ manifest: "/opt/a.json", library: "liba.so" }]);
    expect(found.message).toContain("VK_DRIVER_FILES");
    expect(found.message).toContain("not found: /opt/missing.json");
    expect(found.setEnv).toEqual({});
    const none = findVulkanDrivers({ VK_ICD_FILENAMES: "/nowhere.json" }, fs, "/w");
    expect(none.source).toBe("none");
    expect(none.message).toMatch(/VK_ICD_FILENAMES=\/nowhere\.json names no existing ICD manifest/);
  });

  it("finds manifests in the loader's folders and leaves the environment alone", () => {
    const fs = fakeFs({
      "/usr/share/vulkan/icd.d/nvidia_icd.json": manifest("libGLX_nvidia.so.0"),
      "/etc/vulkan/icd.d/lvp.json": manifest("liblvp.so"),
      "/etc/vulkan/icd.d/README": "not a manifest",
    });
    const found = findVulkanDrivers({ HOME: "/h" }, fs, "/w");
    expect(found.source).toBe("loader");
    expect(found.drivers.map((d) => d.manifest)).toEqual(["/etc/vulkan/icd.d/lvp.json", "/usr/share/vulkan/icd.d/nvidia_icd.json"]);
    expect(found.drivers[1].library).toBe("libGLX_nvidia.so.0");
    expect(found.setEnv).toEqual({});
  });

  it("passes manifests from NVIDIA's container folder through VK_ICD_FILENAMES", () => {
    const fs = fakeFs({ "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json": manifest("libGLX_nvidia.so.0") });
    const found = findVulkanDrivers({ HOME: "/h" }, fs, "/w");
    expect(found.source).toBe("extra");
    expect(found.setEnv).toEqual({ VK_ICD_FILENAMES: "/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json" });
  });

  it("writes a manifest for NVIDIA's driver library when no manifest exists", () => {
    const fs = fakeFs({ "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0": "\x7fELF" });
    const found = findVulkanDrivers({ HOME: "/h" }, fs, "/work");
    expect(found.source).toBe("written");
    expect(found.setEnv).toEqual({ VK_ICD_FILENAMES: "/work/nvidia_icd.json" });
    expect(JSON.parse(fs.written["/work/nvidia_icd.json"])).toEqual({
      file_format_version: "1.0.0",
      ICD: { library_path: "/usr/lib/x86_64-linux-gnu/libGLX_nvidia.so.0", api_version: "1.3.0" },
    });
  });

  it("without a driver, names every folder searched and the variable to set", () => {
    const found = findVulkanDrivers({ HOME: "/h" }, fakeFs({ "/etc/vulkan/icd.d/notes.txt": "" }), "/w");
    expect(found.source).toBe("none");
    expect(found.drivers).toEqual([]);
    for (const folder of ["/etc/vulkan/icd.d", "/usr/share/vulkan/icd.d", "/usr/local/nvidia/share/vulkan/icd.d"]) {
      expect(found.searched).toContain(folder);
      expect(found.message).toContain(folder);
    }
    expect(found.message).toContain("Set VK_DRIVER_FILES (or VK_ICD_FILENAMES)");
  });
});

describe("kernel cases in Node (bench/kernel-check.ts)", () => {
  it("runs a case in every pass that covers it, with the variants forced, and all pass", async () => {
    const engine = await testEngine();
    const seen: string[] = [];
    const { outcomes, skipped } = await runKernelChecks(engine, { filter: "matmul M=17 K=65 N=63", onCase: (o) => seen.push(o.pass) });
    const expected = CHECK_PASSES.filter(
      (p) => !p.name.startsWith("attention") && (!p.needs || engine.adapter.features.includes(p.needs)),
    ).map((p) => p.name);
    expect(outcomes.map((o) => o.pass)).toEqual(expected);
    expect(seen).toEqual(expected);
    expect(outcomes.every((o) => o.ok && o.family === "matmul" && o.name === "matmul M=17 K=65 N=63 Aᵀ")).toBe(true);
    expect(skipped).toEqual(
      CHECK_PASSES.filter((p) => p.needs && !engine.adapter.features.includes(p.needs)).map((p) => expect.stringContaining(p.name)),
    );
    // The forced variants are undone after each pass.
    expect(engine.tuner.override("matmul", undefined)).toBeUndefined();
  });

  it("reports a failing case with its error instead of throwing, and skips a pass whose feature is missing", async () => {
    const engine = await testEngine();
    const { outcomes, skipped } = await runKernelChecks(engine, {
      filter: "attention [[1,5,4]",
      passes: [
        { name: "no such variant", overrides: { attention: "no-such-variant" } },
        { name: "flash", overrides: { attention: "flash" } },
        { name: "needs a feature", overrides: {}, needs: "no-such-feature" },
      ],
    });
    expect(outcomes).toHaveLength(2);
    expect(outcomes[0]).toMatchObject({ pass: "no such variant", family: "softmax", ok: false });
    expect(outcomes[0].error).toMatch(/variant override attention = 'no-such-variant' does not apply/);
    expect(outcomes[1]).toMatchObject({ pass: "flash", ok: true });
    expect(skipped).toEqual(["needs a feature: the adapter has no 'no-such-feature' feature"]);
    expect(engine.memory().liveTensors).toBe(0);
  });
});
