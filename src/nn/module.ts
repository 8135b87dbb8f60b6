/**
 * Modules and parameters, PyTorch-style: a module registers its parameters and child modules by name, so
 * `namedParameters()` yields exactly the keys of the equivalent PyTorch state dict ("down_blocks.0.resnets.0.conv1.weight").
 */
import type { Engine, Tensor } from "../engine.js";
import { shapeSize, shapeString } from "../shape.js";

/** What a training loop needs from a denoiser: a forward pass and its parameters. */
export interface Denoiser {
  forward(noisy: Tensor, timesteps: number[], labels: number[] | undefined, dropoutSeed: number): Tensor;
  parameters(): Tensor[];
}

/** Parameter values on the CPU, keyed like a PyTorch state dict. */
export type StateDict = Map<string, { shape: number[]; data: Float32Array }>;

export abstract class Module {
  private readonly parametersByName = new Map<string, Tensor>();
  private readonly modulesByName = new Map<string, Module>();
  /** Training mode (dropout active). Set with train() / eval(). */
  training = true;

  constructor(readonly engine: Engine) {}

  protected parameter(name: string, data: Float32Array, shape: number[]): Tensor {
    const t = this.engine.parameter(data, shape, name);
    this.parametersByName.set(name, t);
    return t;
  }

  protected module<M extends Module>(name: string, module: M): M {
    this.modulesByName.set(name, module);
    return module;
  }

  /** Every parameter with its full dotted name, in registration order. */
  namedParameters(prefix = ""): [string, Tensor][] {
    const out: [string, Tensor][] = [];
    for (const [name, t] of this.parametersByName) out.push([prefix + name, t]);
    for (const [name, m] of this.modulesByName) out.push(...m.namedParameters(`${prefix}${name}.`));
    return out;
  }

  parameters(): Tensor[] {
    return this.namedParameters().map(([, t]) => t);
  }

  /** Number of scalar parameters. */
  parameterCount(): number {
    return this.parameters().reduce((n, t) => n + t.size, 0);
  }

  train(mode = true): this {
    this.training = mode;
    for (const m of this.modulesByName.values()) m.train(mode);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Copy every parameter to the CPU, keyed by its PyTorch name. */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = new Map();
    for (const [name, t] of this.namedParameters()) out.set(name, { shape: [...t.shape], data: await t.data() });
    return out;
  }

  /**
   * Load parameter values. Checks the whole dict first — every missing, unexpected and wrongly shaped key is
   * listed in one error — and only then writes, so a mismatched checkpoint loads nothing.
   */
  loadStateDict(state: StateDict): void {
    const own = new Map(this.namedParameters());
    checkStateDict(new Map([...own].map(([name, t]) => [name, t.shape])), state);
    for (const [name, { shape, data }] of state) {
      if (data.length !== shapeSize(shape))
        throw new Error(`state dict: ${name} has ${data.length} values for shape ${shapeString(shape)}`);
    }
    for (const [name, t] of own) this.engine.write(t, state.get(name)!.data);
  }

  /** Free every parameter (and its gradient). */
  dispose(): void {
    for (const t of this.parameters()) t.dispose();
  }
}

/** Deterministic CPU random numbers for initialisation (mulberry32). */
export class InitRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** PyTorch's default for Linear and Conv2d weights and biases: U(−1/√fan_in, 1/√fan_in). */
  uniformFanIn(n: number, fanIn: number): Float32Array {
    const bound = 1 / Math.sqrt(fanIn);
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = (2 * this.next() - 1) * bound;
    return out;
  }
  normal(n: number, std = 1): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const u1 = 1 - this.next();
      const u2 = this.next();
      out[i] = std * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
    return out;
  }
}

/**
 * Checks a state dict against the shapes a model expects. Throws one Error listing every missing key, every
 * unexpected key and every key whose shape differs (with both shapes), so one run shows the whole mismatch.
 */
export function checkStateDict(expected: Map<string, readonly number[]>, got: Map<string, { shape: readonly number[] }>): void {
  const shape = (s: readonly number[]) => `[${s.join(", ")}]`;
  const missing: string[] = [];
  const unexpected: string[] = [];
  const wrongShape: string[] = [];
  for (const [key, want] of expected) {
    const have = got.get(key);
    if (!have) missing.push(`${key} ${shape(want)}`);
    else if (have.shape.length !== want.length || have.shape.some((d, i) => d !== want[i])) {
      wrongShape.push(`${key}: expected ${shape(want)}, got ${shape(have.shape)}`);
    }
  }
  for (const [key, have] of got) if (!expected.has(key)) unexpected.push(`${key} ${shape(have.shape)}`);
  if (missing.length + unexpected.length + wrongShape.length === 0) return;
  const section = (title: string, lines: string[]) =>
    lines.length ? [`  ${title} (${lines.length}):`, ...lines.sort().map((l) => `    ${l}`)] : [];
  throw new Error(
    [
      `state dict does not match the model: ${missing.length} missing, ${unexpected.length} unexpected, ` +
        `${wrongShape.length} wrongly shaped`,
      ...section("missing keys", missing),
      ...section("unexpected keys", unexpected),
      ...section("wrongly shaped keys", wrongShape),
    ].join("\n"),
  );
}
