import { runBackfill } from './lib/backfill-command';

// The only place that exits. The first Ctrl-C stops taking new objects and lets those in flight finish
// (each result is one atomic PUT), so the run can be resumed; a second one exits at once.
const stop = new AbortController();
process.on('SIGINT', () => {
  if (stop.signal.aborted) process.exit(130);
  process.stderr.write('\nstopping after the objects in flight (Ctrl-C again to quit now) ...\n');
  stop.abort();
});
process.exitCode = await runBackfill(process.argv.slice(2), undefined, stop.signal);
process.exit();
