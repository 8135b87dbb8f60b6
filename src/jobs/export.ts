/** `ddpm export`'s job (Node): a model folder's U-Net as an ONNX file, for any ONNX runtime. */
import type { Engine } from "../engine.js";
import { nodeModules, pathExists, writeFilesAtomic } from "../io/fs.js";
import { samplerOnnx } from "../sample.js";
import { loadModelForSampling } from "./sample.js";

/**
 * Write the U-Net of `dir` (a diffusers folder, a training checkpoint — its EMA weights — or a run folder) to
 * `out` as an ONNX graph (src/nn/onnx.ts), with the scheduler config and the trained classes in its metadata, so
 * a sampler in another runtime has everything the network does not hold. An existing `out` is refused (also one
 * that appears while the export runs), and the file appears whole or not at all.
 */
export async function exportOnnxJob(options: {
  engine: Engine;
  dir: string;
  out: string;
  defaultScheduler?: boolean;
  log?: (line: string) => void;
}): Promise<{ bytes: number; source: string }> {
  const log = options.log ?? ((line: string) => console.log(line));
  await checkExportTarget(options.out);
  const { model, scheduler, source, classes } = await loadModelForSampling(options.engine, options.dir, {
    defaultScheduler: options.defaultScheduler,
    log,
  });
  try {
    const bytes = samplerOnnx(model, await model.stateDict(), scheduler, classes);
    await writeFilesAtomic([{ path: options.out, data: bytes }], { exclusive: true });
    return { bytes: bytes.length, source };
  } finally {
    model.dispose();
  }
}

/** An export's file must not exist, and its folder must: checked before any work (the CLI does so before the GPU starts). */
export async function checkExportTarget(out: string): Promise<void> {
  const { fs, path } = await nodeModules();
  if (await pathExists(out)) throw new Error(`${out} exists; choose another --onnx (an export never overwrites)`);
  const folder = path.dirname(path.resolve(out));
  const info = await fs.stat(folder).catch(() => null);
  if (!info?.isDirectory()) throw new Error(`the folder of --onnx ${out} (${folder}) does not exist`);
}
