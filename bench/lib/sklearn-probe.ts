import { spawnSync } from 'node:child_process';

/**
 * scikit-learn's `LogisticRegression()` with its defaults (C = 1, L2, lbfgs; only `max_iter` raised so it
 * converges) on raw embeddings: the plain linear probe a data scientist would fit first, run by Debian's
 * python3-sklearn (the package the digits set comes from). Undefined, with the reason, when no Python on
 * the PATH (or Debian's own) imports sklearn.
 */
const SCRIPT = `
import json, sys
from sklearn.linear_model import LogisticRegression
d = json.load(sys.stdin)
m = LogisticRegression(max_iter=5000).fit(d["x"], d["y"])
json.dump({"classes": m.classes_.tolist(), "p": m.predict_proba(d["t"]).tolist()}, sys.stdout)
`;

const CANDIDATES = ['python3', '/usr/bin/python3'];

function findPython(): string | undefined {
  return CANDIDATES.find(
    (python) => spawnSync(python, ['-c', 'import sklearn'], { stdio: 'ignore' }).status === 0,
  );
}

export function sklearnProbe(
  trainRows: readonly Float32Array[],
  targets: readonly number[],
  testRows: readonly Float32Array[],
  classes: number,
): { scores: Float32Array[] } | { missing: string } {
  const python = findPython();
  if (!python) return { missing: 'no python3 with scikit-learn (Debian package python3-sklearn)' };
  const input = JSON.stringify({
    x: trainRows.map((r) => Array.from(r)),
    y: targets,
    t: testRows.map((r) => Array.from(r)),
  });
  const run = spawnSync(python, ['-c', SCRIPT], { input, maxBuffer: 1 << 28, encoding: 'utf8' });
  if (run.status !== 0) return { missing: `scikit-learn failed: ${run.stderr.trim().split('\n').at(-1)}` };
  const out = JSON.parse(run.stdout) as { classes: number[]; p: number[][] };
  return {
    scores: out.p.map((row) => {
      const scores = new Float32Array(classes);
      row.forEach((p, j) => {
        scores[out.classes[j] as number] = p;
      });
      return scores;
    }),
  };
}
