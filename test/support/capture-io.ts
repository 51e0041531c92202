/** A command's stdout and stderr captured as text, with an empty environment: what the CLI tests hand in. */
export function captureIo() {
  let out = '';
  let err = '';
  return {
    io: {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {} as NodeJS.ProcessEnv,
    },
    out: () => out,
    err: () => err,
  };
}
