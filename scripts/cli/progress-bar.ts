import { SingleBar } from 'cli-progress';

/**
 * Progress on stderr: a bar with rate and ETA on a terminal, a line every tenth otherwise (logs, CI).
 * Returns the callback to report with and `stop` to end the bar.
 */
export function progressReporter(
  stderr: { write(chunk: string): unknown; isTTY?: boolean },
  what: string,
): { onProgress: (done: number, total: number) => void; stop: () => void } {
  let bar: SingleBar | undefined;
  let lastTenth = -1;
  const started = performance.now();
  return {
    onProgress(done, total) {
      if (stderr.isTTY) {
        if (!bar) {
          bar = new SingleBar({
            stream: stderr as NodeJS.WritableStream,
            format: ` ${what} {bar} {value}/{total} | {rate} images/s | ETA {eta_formatted}`,
            etaBuffer: 50,
          });
          bar.start(total, 0, { rate: '-' });
        }
        const seconds = (performance.now() - started) / 1000;
        bar.update(done, { rate: seconds > 0 ? (done / seconds).toFixed(1) : '-' });
        return;
      }
      const tenth = Math.floor((done / Math.max(total, 1)) * 10);
      if (tenth === lastTenth) return;
      lastTenth = tenth;
      const seconds = (performance.now() - started) / 1000;
      const eta = done > 0 ? ((total - done) * seconds) / done : Number.NaN;
      stderr.write(`${what}: ${done}/${total}${Number.isFinite(eta) ? `, ETA ${Math.ceil(eta)} s` : ''}\n`);
    },
    stop: () => bar?.stop(),
  };
}
