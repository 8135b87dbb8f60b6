/** WGSL files are imported as text: esbuild's text loader in bundles, a Vite plugin under vitest. */
declare module "*.wgsl" {
  const source: string;
  export default source;
}

/** wgsl_reflect's Node entry is CommonJS inside a "type": "module" package; we import its ES module build. */
declare module "wgsl_reflect/wgsl_reflect.module.js" {
  export * from "wgsl_reflect";
}
