/**
 * The kernel toolchain: every WGSL module is reflected with wgsl_reflect, which gives each entry point's
 * bindings (for its bind group layout) and each uniform struct's layout (to pack uniforms by field name).
 * Pipelines are cached by kernel name + specialisation constants; shapes travel in uniforms.
 */
import { WgslReflect } from "wgsl_reflect/wgsl_reflect.module.js";
import { expandIncludes, requiredFeatures, shaderSources, sourceLocation } from "./shaders.js";

/** A value for one uniform field: a scalar, or the flattened components of a vector / array. */
type UniformValue = number | boolean | readonly number[];
export type UniformValues = Record<string, UniformValue>;

interface FieldLayout {
  name: string;
  offset: number;
  /** Scalar component type of the field. */
  scalar: "f32" | "i32" | "u32";
  /** Byte offset of each component (vectors and arrays of vectors expand into several). */
  componentOffsets: number[];
}

interface BindingInfo {
  name: string;
  binding: number;
  kind: "uniform" | "read-only-storage" | "storage";
}

/** One entry point of one WGSL file, with its reflected layout. */
export interface KernelInfo {
  /** "family/entry", e.g. "elementwise/binary". */
  name: string;
  file: string;
  entry: string;
  bindings: BindingInfo[];
  /** The uniform struct this entry point reads (at most one per entry point), if any. */
  uniform?: { binding: number; name: string; size: number; fields: Map<string, FieldLayout> };
  layout: GPUBindGroupLayout;
  pipelineLayout: GPUPipelineLayout;
  overrides: Set<string>;
}

type ReflectType = {
  name: string;
  size: number;
  format?: ReflectType;
  count?: number;
  stride?: number;
  members?: { name: string; offset: number; size: number; type: ReflectType }[];
};

/** Expand a reflected type into the byte offsets of its scalar components. */
function componentOffsets(type: ReflectType, base: number): { scalar: FieldLayout["scalar"]; offsets: number[] } {
  const scalarOf = (t: ReflectType): FieldLayout["scalar"] => {
    if (t.name === "f32" || t.name === "i32" || t.name === "u32") return t.name;
    if (t.name === "bool") return "u32";
    if (t.format) return scalarOf(t.format);
    throw new Error(`uniform field of type '${t.name}' is not supported by the uniform packer`);
  };
  const vecLen = (t: ReflectType) => (t.name.startsWith("vec") ? Number(t.name[3]) : 1);
  if (type.name === "array") {
    const element = type.format!;
    const stride = type.stride ?? element.size;
    const inner = componentOffsets(element, 0);
    const offsets: number[] = [];
    for (let i = 0; i < (type.count ?? 0); i++) for (const o of inner.offsets) offsets.push(base + i * stride + o);
    return { scalar: inner.scalar, offsets };
  }
  if (type.members) throw new Error("nested structs in uniforms are not supported by the uniform packer");
  const n = vecLen(type);
  return { scalar: scalarOf(type), offsets: Array.from({ length: n }, (_, i) => base + 4 * i) };
}

/** A WGSL error naming the file (`path`) the message's line numbers refer to. */
function wgslError(path: string, message: string): Error {
  return new Error(`WGSL error in ${path}: ${message}`);
}

export class KernelRegistry {
  private readonly kernels = new Map<string, KernelInfo>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  /** missingFeatures' answers by file. */
  private readonly missing = new Map<string, string[]>();
  /** Validation errors found so far (messages naming the kernel or file), thrown at the next sync point. */
  private readonly errors: string[] = [];
  /** Error scopes not yet resolved. */
  private readonly openScopes = new Set<Promise<void>>();
  /** Families added after creation (addFamily): not compiled by compileAll, not part of sourceText. */
  private readonly added = new Map<string, { source: string; path: string }>();

  /**
   * @param sources WGSL text by family name (default: every file in shaders/); tests pass their own to check
   *   how bad shaders are reported.
   */
  constructor(
    private readonly device: GPUDevice,
    private readonly validate: boolean,
    private readonly sources: Record<string, string> = shaderSources,
  ) {}

  /**
   * Add a kernel family from outside shaders/ (the benchmarks' own kernels), compiled on first use. `path` names
   * its file in error messages. Its kernels are not part of the tuner's fingerprint (sourceText).
   */
  addFamily(name: string, source: string, path: string): void {
    if (this.hasFamily(name)) throw new Error(`kernel family '${name}' already exists`);
    this.added.set(name, { source: expandIncludes(name, source, path), path });
  }

  /** Whether a family of that name exists (in shaders/ or added). */
  hasFamily(name: string): boolean {
    return name in this.sources || this.added.has(name);
  }

  private source(file: string): string | undefined {
    return this.sources[file] ?? this.added.get(file)?.source;
  }

  /** The file a family's WGSL comes from, for messages. */
  private path(file: string): string {
    return this.added.get(file)?.path ?? `shaders/${file}.wgsl`;
  }

  /** A line of a family's text as "FILE:LINE" (a line of an included library names the library's file). */
  private location(file: string, line: number): string {
    return sourceLocation(file, line, this.path(file));
  }

  /** Whether bind groups and pipelines are checked with error scopes (EngineOptions.validate). */
  get validating(): boolean {
    return this.validate;
  }

  /**
   * Run `create` (a WebGPU call that may raise a validation error, or with `filter` "out-of-memory" an
   * allocation the device may refuse) inside an error scope; an error is kept, prefixed with `what` (the kernel,
   * file or allocation), and thrown by the next `takeErrors()` caller; `onError` hears of it as it arrives.
   */
  scoped<T>(what: string, create: () => T, filter: GPUErrorFilter = "validation", onError?: () => void): T {
    this.device.pushErrorScope(filter);
    let result: T;
    try {
      result = create();
    } finally {
      const scope = this.device.popErrorScope().then((error) => {
        if (error) {
          this.errors.push(`${what}: ${error.message}`);
          onError?.();
        }
        this.openScopes.delete(scope);
      });
      this.openScopes.add(scope);
    }
    return result;
  }

  /** Wait for every open error scope and hand over the errors found so far. */
  async takeErrors(): Promise<string[]> {
    await Promise.all(this.openScopes);
    return this.errors.splice(0);
  }

  /** Every WGSL source, concatenated in a fixed order (the kernels' fingerprint for cached tuning choices). */
  sourceText(): string {
    return Object.keys(this.sources)
      .sort()
      .map((file) => `${file}\n${this.sources[file]}`)
      .join("\n");
  }

  /**
   * The device features shaders/FILE.wgsl needs (its `enable` directives) that this device lacks. Found once per
   * file: ops ask `supports` each time they choose a kernel.
   */
  missingFeatures(file: string): string[] {
    let missing = this.missing.get(file);
    if (!missing) {
      missing = requiredFeatures(this.source(file) ?? "").filter((f) => !this.device.features.has(f));
      this.missing.set(file, missing);
    }
    return missing;
  }

  private requireFeatures(file: string): void {
    const missing = this.missingFeatures(file);
    if (missing.length)
      throw new Error(`${this.path(file)} needs the device feature(s) ${missing.join(", ")}, which this adapter does not offer`);
  }

  /** Whether every kernel of shaders/FILE.wgsl can run on this device (it has the features the file enables). */
  supports(file: string): boolean {
    return this.missingFeatures(file).length === 0;
  }

  /** Compile every shader module the device supports (see `supports`) and report WGSL errors with file and line. */
  async compileAll(): Promise<void> {
    for (const file of Object.keys(this.sources)) {
      if (!this.supports(file)) continue;
      const module = this.module(file);
      const info = await module.getCompilationInfo();
      const errors = info.messages.filter((m) => m.type === "error");
      if (errors.length) {
        // Reported here with file and line; drop the scope's copy of the same error.
        await this.takeErrors();
        throw wgslError(this.path(file), errors.map((m) => `${this.location(file, m.lineNum)}:${m.linePos}: ${m.message}`).join("\n"));
      }
    }
  }

  private module(file: string): GPUShaderModule {
    let module = this.modules.get(file);
    if (!module) {
      const code = this.source(file);
      if (code === undefined) throw new Error(`no shader file ${this.path(file)}`);
      this.requireFeatures(file);
      // Scoped, so a bad module is reported once, by file, instead of as an uncaptured device error.
      const path = this.path(file);
      module = this.scoped(path, () => this.device.createShaderModule({ code, label: path }));
      this.modules.set(file, module);
    }
    return module;
  }

  /** Reflect "file/entry" once and build its bind group layout. */
  kernel(name: string): KernelInfo {
    const cached = this.kernels.get(name);
    if (cached) return cached;
    const [file, entry] = name.split("/");
    const code = this.source(file);
    if (code === undefined) throw new Error(`unknown kernel '${name}': no ${this.path(file)}`);
    this.requireFeatures(file);
    let reflect: WgslReflect;
    try {
      reflect = new WgslReflect(code);
    } catch (error) {
      const message = (error as Error).message.replace(/Line: (\d+)/, (_, line) => `at ${this.location(file, Number(line))}`);
      throw wgslError(this.path(file), message);
    }
    // Two variables on one binding are legal WGSL when no entry point uses both, but SwiftShader crashes
    // the process on such modules (Dawn 0.6 with SwiftShader 5): refuse them with a clear message.
    const seen = new Map<number, string>();
    for (const v of [...reflect.uniforms, ...reflect.storage]) {
      const other = seen.get(v.binding);
      if (other !== undefined)
        throw wgslError(this.path(file), `'${v.name}' and '${other}' share @binding(${v.binding}); give each its own`);
      seen.set(v.binding, v.name);
    }
    for (const fn of reflect.entry.compute) {
      const bindings: BindingInfo[] = [];
      let uniform: KernelInfo["uniform"];
      for (const r of fn.resources) {
        if (r.group !== 0) throw wgslError(this.path(file), `${fn.name}: only @group(0) is supported, '${r.name}' uses ${r.group}`);
        // resourceType 0 = uniform buffer, 1 = storage buffer (wgsl_reflect's ResourceType enum).
        if (r.resourceType === 0) {
          const type = r.type as unknown as ReflectType;
          const fields = new Map<string, FieldLayout>();
          for (const m of type.members ?? []) {
            const { scalar, offsets } = componentOffsets(m.type, m.offset);
            fields.set(m.name, { name: m.name, offset: m.offset, scalar, componentOffsets: offsets });
          }
          uniform = { binding: r.binding, name: r.name, size: Math.ceil(type.size / 16) * 16, fields };
          bindings.push({ name: r.name, binding: r.binding, kind: "uniform" });
        } else if (r.resourceType === 1) {
          bindings.push({ name: r.name, binding: r.binding, kind: r.access === "read" ? "read-only-storage" : "storage" });
        } else {
          throw wgslError(this.path(file), `${fn.name}: resource '${r.name}' is not a buffer`);
        }
      }
      bindings.sort((a, b) => a.binding - b.binding);
      const layout = this.device.createBindGroupLayout({
        label: `${file}/${fn.name}`,
        entries: bindings.map((b) => ({
          binding: b.binding,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: b.kind },
        })),
      });
      this.kernels.set(`${file}/${fn.name}`, {
        name: `${file}/${fn.name}`,
        file,
        entry: fn.name,
        bindings,
        uniform,
        layout,
        pipelineLayout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        overrides: new Set(reflect.overrides.map((o: { name: string }) => o.name)),
      });
    }
    const info = this.kernels.get(name);
    if (!info) throw new Error(`unknown kernel '${name}': ${this.path(file)} has no @compute fn ${entry}`);
    return info;
  }

  private pipelineKey(info: KernelInfo, constants: Record<string, number>): string {
    const keys = Object.keys(constants).sort();
    for (const k of keys) {
      if (!info.overrides.has(k)) throw new Error(`kernel ${info.name}: no override constant '${k}' in ${this.path(info.file)}`);
    }
    return `${info.name}|${keys.map((k) => `${k}=${constants[k]}`).join(",")}`;
  }

  private pipelineDescriptor(info: KernelInfo, constants: Record<string, number>, key: string): GPUComputePipelineDescriptor {
    return { label: key, layout: info.pipelineLayout, compute: { module: this.module(info.file), entryPoint: info.entry, constants } };
  }

  /** The pipeline for a kernel with the given specialisation constants, created once. */
  pipeline(info: KernelInfo, constants: Record<string, number> = {}): GPUComputePipeline {
    const key = this.pipelineKey(info, constants);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      const create = () => this.device.createComputePipeline(this.pipelineDescriptor(info, constants, key));
      pipeline = this.validate ? this.scoped(`pipeline ${key} (${this.path(info.file)})`, create) : create();
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /**
   * Create the pipelines of these kernels ahead of use, concurrently and without blocking (createComputePipelineAsync),
   * skipping those already made. A failure names the kernel.
   */
  async precompile(kernels: Iterable<[KernelInfo, Record<string, number>]>): Promise<number> {
    const jobs = new Map<string, Promise<void>>();
    for (const [info, constants] of kernels) {
      const key = this.pipelineKey(info, constants);
      if (this.pipelines.has(key) || jobs.has(key)) continue;
      jobs.set(
        key,
        this.device.createComputePipelineAsync(this.pipelineDescriptor(info, constants, key)).then(
          (pipeline) => {
            this.pipelines.set(key, pipeline);
          },
          (error: unknown) => {
            throw new Error(`pipeline ${key} (${this.path(info.file)}): ${error instanceof Error ? error.message : String(error)}`);
          },
        ),
      );
    }
    await Promise.all(jobs.values());
    return jobs.size;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }
}

/** Pack uniform values into `target` (at byteOffset) by field name, using the reflected struct layout. */
export function packUniforms(info: KernelInfo, values: UniformValues, target: DataView, byteOffset: number): void {
  const uniform = info.uniform;
  if (!uniform) {
    if (Object.keys(values).length) throw new Error(`kernel ${info.name} has no uniform struct, but uniforms were given`);
    return;
  }
  for (const field of uniform.fields.values()) {
    if (!(field.name in values)) throw new Error(`kernel ${info.name}: uniform field '${field.name}' was not given`);
  }
  for (const [name, raw] of Object.entries(values)) {
    const field = uniform.fields.get(name);
    if (!field) throw new Error(`kernel ${info.name}: its uniform struct has no field '${name}'`);
    const components = typeof raw === "number" || typeof raw === "boolean" ? [Number(raw)] : raw;
    if (components.length > field.componentOffsets.length) {
      throw new Error(`kernel ${info.name}: uniform '${name}' takes ${field.componentOffsets.length} values, got ${components.length}`);
    }
    for (let i = 0; i < field.componentOffsets.length; i++) {
      const value = i < components.length ? components[i] : 0;
      const at = byteOffset + field.componentOffsets[i];
      if (field.scalar === "f32") target.setFloat32(at, value, true);
      else if (field.scalar === "i32") target.setInt32(at, value, true);
      else {
        if (value < 0 || !Number.isInteger(value)) throw new Error(`kernel ${info.name}: uniform '${name}' must be a u32, got ${value}`);
        target.setUint32(at, value, true);
      }
    }
  }
}
