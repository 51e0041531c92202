import { runClassify } from './cli/classify-command';

// The only place that exits: everything else returns a status so tests can call it.
process.exitCode = await runClassify(process.argv.slice(2));
