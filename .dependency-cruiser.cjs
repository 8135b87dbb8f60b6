// The layers of src/ and the direction imports flow (docs/architecture.md), checked by `npm test` (npm run lint).
// A module may import from its own layer and the layers below it, never from a layer above; no import cycle,
// type-only imports included. Bottom to top:
const LAYERS = [
  // Leaves: shape arithmetic and file formats know nothing of the GPU or the engine.
  { name: "leaves", path: "^src/(shape\\.ts|wgsl\\.d\\.ts|io/)" },
  // The only code that calls WebGPU.
  { name: "gpu", path: "^src/gpu/" },
  // Tensors, their scopes and the tape.
  { name: "engine", path: "^src/engine\\.ts$" },
  { name: "ops", path: "^src/ops/" },
  // Optimisers, modules and the schedulers: siblings that do not import one another (the scheduler never sees the
  // model, the model never sees the schedule).
  { name: "models", path: "^src/(optim|nn|diffusion)/" },
  // The loops that join them (Algorithms 1 and 2), the presets and the checkpoint format; the digit evaluator (a
  // classifier from nn, trained with optim).
  { name: "loops", path: "^src/((train|sample|presets|checkpoint)\\.ts$|evaluate/)" },
  // The CLI's jobs and the public entry points.
  { name: "api", path: "^src/(jobs/|index\\.ts$|node\\.ts$)" },
  // Applications: the CLI and the browser demo.
  { name: "apps", path: "^src/(cli\\.ts$|demo/)" },
];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `no-upward-from-${layer.name}`,
  comment: `${layer.name} imports only from its own layer and those below it`,
  severity: "error",
  from: { path: layer.path },
  to: { path: LAYERS.slice(i + 1).map((l) => l.path) },
}));

const siblings = ["optim", "nn", "diffusion"].map((name) => ({
  name: `no-sibling-import-from-${name}`,
  comment: "optim, nn and diffusion do not import one another",
  severity: "error",
  from: { path: `^src/${name}/` },
  to: { path: "^src/(optim|nn|diffusion)/", pathNot: `^src/${name}/` },
}));

module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "no import cycle, type-only imports included",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    ...upward,
    ...siblings,
    {
      name: "src-stands-alone",
      comment: "the library never imports the benchmarks, the tests or the scripts",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(bench|test|scripts)/" },
    },
    {
      name: "no-unresolvable",
      comment: "every import resolves",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    enhancedResolveOptions: {
      extensions: [".ts", ".js", ".wgsl"],
      conditionNames: ["import", "require", "node", "default", "types"],
      exportsFields: ["exports"],
    },
    exclude: { path: "\\.wgsl$" },
  },
};
