// Optimises the .wasm files named on the command line for size (binaryen's -Oz pipeline), each in
// place, in one process. npm's wasm-opt command compiles binaryen anew for every file (~2 s), and a
// bundle split per page has a few hundred modules. Usage: node scripts/wasm_opt.mjs <binaryen dir> <file>...
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, ...files] = process.argv.slice(2);
const { default: binaryen } = await import(pathToFileURL(join(dir, 'index.js')).href);

binaryen.setOptimizeLevel(2);
binaryen.setShrinkLevel(2);
// No names or debug info in the output (what --strip-debug gives the command).
binaryen.setDebugInfo(false);
const features = binaryen.Features.Default | binaryen.Features.BulkMemory | binaryen.Features.BulkMemoryOpt | binaryen.Features.NontrappingFPToInt;

let before = 0;
let after = 0;
for (const file of files) {
  const input = readFileSync(file);
  const module = binaryen.readBinary(input);
  module.setFeatures(features);
  module.optimize();
  const output = module.emitBinary();
  module.dispose();
  writeFileSync(file, output);
  before += input.length;
  after += output.length;
}
console.error(`wasm_opt: ${files.length} modules, ${Math.round(before / 1024)} KB -> ${Math.round(after / 1024)} KB`);
