import { runFetchModel } from './lib/fetch-model-command';

// The only place that exits: everything else returns a status so tests can call it.
process.exitCode = await runFetchModel(process.argv.slice(2));
