// The first module of every worker thread the commands start: registers tsx's loader in the worker (Node
// 20 does not pass the parent's module hooks to workers; started under tsx's `--import` alone they crashed
// `fuzz` on Node 20 with ERR_UNKNOWN_FILE_EXTENSION), then loads the TypeScript entry named in argv.
// Plain JavaScript: nothing can load TypeScript before this runs.
import { argv } from 'node:process';
import { register } from 'tsx/esm/api';

// Workers report through messages; stdout is the command's results. Libraries that print debug lines with
// console.log (some decoders) are diagnostics, as in the main thread.
console.log = console.error;
register();
await import(argv[2]);
