import { Engine, ops } from "/work/main/dist/index.js";
const engine = await Engine.create({ validate: process.argv[2] === 'v' });
const c = engine.ones([5]);
console.log(await c.data());
