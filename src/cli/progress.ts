import cliProgress from 'cli-progress';

/**
 * A progress bar on stderr while large inputs are read, only when stderr is a
 * terminal (never in pipes, cron or CI logs).
 */
export function progressReporter(stderr: NodeJS.WriteStream | import('node:stream').Writable): {
  onProgress?: (read: number, total: number) => void;
  stop: () => void;
} {
  const tty = (stderr as NodeJS.WriteStream).isTTY === true;
  if (!tty) return { stop: () => {} };
  let bar: cliProgress.SingleBar | null = null;
  let lastUpdate = 0;
  return {
    onProgress: (read, total) => {
      if (total < 32 * 1024 * 1024) return;
      if (!bar) {
        bar = new cliProgress.SingleBar(
          {
            stream: stderr as NodeJS.WriteStream,
            format: 'reading logs [{bar}] {percentage}% | {value}/{total} MB | {eta_formatted} left',
            hideCursor: true,
            clearOnComplete: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(Math.ceil(total / 1e6), 0);
      }
      const now = Date.now();
      if (now - lastUpdate > 100) {
        lastUpdate = now;
        bar.update(Math.floor(read / 1e6));
      }
    },
    stop: () => bar?.stop(),
  };
}
