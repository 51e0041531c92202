import { runClassify } from './cli/classify-command';

// Results own stdout. Some pure-JavaScript decoders print debug lines with console.log (utif2 on tiled
// TIFFs, omggif on truncated GIFs); in this process they go to stderr with the other diagnostics.
console.log = console.error;

// The only place that exits: everything else returns a status so tests can call it.
process.exitCode = await runClassify(process.argv.slice(2));
