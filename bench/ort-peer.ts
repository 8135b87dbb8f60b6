/**
 * The second peer (browser-safe): ONNX Runtime Web running our own U-Net, exported by exportUNetOnnx
 * (src/nn/onnx.ts) with the same weights, on its WebGPU execution provider (the same adapter as ours) and on its
 * WASM provider (ORT's CPU kernels, compiled to WebAssembly). ORT is an inference engine, so it is timed on the
 * forward pass, as its users call it: `session.run` with the inputs in CPU memory and the output read back to it.
 *
 * The namespace is passed in: in a page it is `onnxruntime-web/webgpu` with its .wasm files served beside the
 * page; in Node `onnxruntime-web` (the WASM provider only: the WebGPU provider does not run on Dawn's Node
 * bindings).
 */
import type * as ORT from "onnxruntime-web";
import { type Timing, timingOf } from "./timing.js";

export type OrtNamespace = typeof ORT;
/** ORT's execution providers the bench runs. */
export type OrtProvider = "webgpu" | "wasm";

/** A U-Net's inputs, NCHW, as the exported graph takes them. */
export interface OrtFeeds {
  sample: { data: Float32Array; shape: number[] };
  timesteps: number[];
  labels?: number[];
}

export class OrtPeer {
  readonly version: string;

  /** `providers`: the execution providers this environment offers, in the order the rows use. */
  constructor(
    readonly ort: OrtNamespace,
    readonly providers: OrtProvider[],
  ) {
    this.version = ort.env.versions?.web ?? ort.env.versions?.common ?? "?";
  }

  /** What each provider runs on, for the report. */
  get note(): string {
    const threads = this.ort.env.wasm.numThreads;
    return (
      `onnxruntime-web ${this.version}: ${this.providers.join(" and ")} execution provider${this.providers.length > 1 ? "s" : ""}; ` +
      `wall time of session.run (inputs from CPU memory, output read back)` +
      (this.providers.includes("wasm")
        ? `; WASM with ${threads ? `${threads} thread${threads === 1 ? "" : "s"}` : "its default threads"}`
        : "")
    );
  }

  /** An inference session of `model` (ONNX bytes) on `provider`. */
  async session(model: Uint8Array, provider: OrtProvider): Promise<ORT.InferenceSession> {
    return this.ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: "all" });
  }

  /** The session's output for `feeds` (out_sample, NCHW). */
  async run(session: ORT.InferenceSession, feeds: OrtFeeds): Promise<Float32Array> {
    const { Tensor } = this.ort;
    const n = feeds.sample.shape[0];
    const inputs: Record<string, ORT.Tensor> = {
      sample: new Tensor("float32", feeds.sample.data, feeds.sample.shape),
      timestep: new Tensor("float32", Float32Array.from(feeds.timesteps), [n]),
    };
    if (feeds.labels) inputs.class_labels = new Tensor("int64", BigInt64Array.from(feeds.labels, BigInt), [n]);
    const out = await session.run(inputs);
    const result = out.out_sample;
    const data = (await result.getData()) as Float32Array;
    for (const t of Object.values(out)) t.dispose();
    return data;
  }

  /** Median wall time of `run` over `repeats` runs after `warmup` runs. */
  async measure(session: ORT.InferenceSession, feeds: OrtFeeds, options: { repeats: number; warmup: number }): Promise<Timing> {
    const samples: number[] = [];
    for (let i = 0; i < options.warmup + options.repeats; i++) {
      const start = performance.now();
      await this.run(session, feeds);
      if (i >= options.warmup) samples.push(performance.now() - start);
    }
    return timingOf(samples, [], options.repeats);
  }
}
