/**
 * Limited-memory BFGS (Nocedal & Wright, Numerical Optimization, 2nd ed., algorithms 7.4 and 7.5) with a
 * backtracking line search on the Armijo condition, for the smooth convex objective of a softmax layer
 * with an L2 penalty. Written here because no maintained npm package does it: TensorFlow.js has only
 * first-order optimisers (Adam stopped far from the optimum on our benchmark sets, or needed thousands of
 * steps), and the JavaScript L-BFGS packages on npm (optimization-js, fmin) have had no release in years.
 * Deterministic: no randomness, the same start gives the same result.
 */
/** The value and gradient at `x` (the gradient may be a new array; it is not modified). */
export type Objective = (x: Float64Array) => { value: number; gradient: Float64Array<ArrayBufferLike> };

export interface LbfgsOptions {
  /** Correction pairs kept. */
  memory?: number;
  maxIterations?: number;
  /** Stop when the largest gradient component is at most this. */
  gradientTolerance?: number;
  /** Stop when an iteration improves the value by at most this fraction of it (scipy's ftol). */
  relativeTolerance?: number;
}

export interface LbfgsResult {
  x: Float64Array<ArrayBufferLike>;
  value: number;
  iterations: number;
  evaluations: number;
  /** Why it stopped. */
  stop: 'gradient' | 'value' | 'iterations' | 'line-search';
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
};

const maxAbs = (a: Float64Array) => {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
};

export function lbfgs(f: Objective, start: Float64Array, options: LbfgsOptions = {}): LbfgsResult {
  const memory = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 300;
  const gradientTolerance = options.gradientTolerance ?? 1e-5;
  const relativeTolerance = options.relativeTolerance ?? 1e-9;
  let x: Float64Array<ArrayBufferLike> = Float64Array.from(start);
  let { value, gradient } = f(x);
  let evaluations = 1;
  const s: Float64Array[] = [];
  const y: Float64Array[] = [];
  const rho: number[] = [];
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    if (maxAbs(gradient) <= gradientTolerance)
      return { x, value, iterations: iteration, evaluations, stop: 'gradient' };
    // Two-loop recursion: direction = −H·gradient with H the limited-memory inverse Hessian.
    const q = Float64Array.from(gradient);
    const alpha = new Array<number>(s.length);
    for (let i = s.length - 1; i >= 0; i--) {
      const a = (rho[i] as number) * dot(s[i] as Float64Array, q);
      alpha[i] = a;
      const yi = y[i] as Float64Array;
      for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) - a * (yi[j] as number);
    }
    const last = s.length - 1;
    const gamma =
      last >= 0
        ? dot(s[last] as Float64Array, y[last] as Float64Array) /
          dot(y[last] as Float64Array, y[last] as Float64Array)
        : 1 / Math.max(Math.sqrt(dot(gradient, gradient)), 1e-12);
    for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) * gamma;
    for (let i = 0; i < s.length; i++) {
      const beta = (rho[i] as number) * dot(y[i] as Float64Array, q);
      const si = s[i] as Float64Array;
      const factor = (alpha[i] as number) - beta;
      for (let j = 0; j < q.length; j++) q[j] = (q[j] as number) + factor * (si[j] as number);
    }
    let slope = -dot(gradient, q);
    if (!(slope < 0)) {
      // Not a descent direction (the curvature pairs went stale): restart from steepest descent.
      s.length = 0;
      y.length = 0;
      rho.length = 0;
      const scale = 1 / Math.max(Math.sqrt(dot(gradient, gradient)), 1e-12);
      for (let j = 0; j < q.length; j++) q[j] = (gradient[j] as number) * scale;
      slope = -dot(gradient, q);
    }
    let step = 1;
    let next: { x: Float64Array; value: number; gradient: Float64Array } | undefined;
    for (let tries = 0; tries < 30; tries++) {
      const candidate = new Float64Array(x.length);
      for (let j = 0; j < x.length; j++) candidate[j] = (x[j] as number) - step * (q[j] as number);
      const at = f(candidate);
      evaluations++;
      if (Number.isFinite(at.value) && at.value <= value + 1e-4 * step * slope) {
        next = { x: candidate, ...at };
        break;
      }
      step /= 2;
    }
    if (!next) return { x, value, iterations: iteration, evaluations, stop: 'line-search' };
    const sNew = new Float64Array(x.length);
    const yNew = new Float64Array(x.length);
    for (let j = 0; j < x.length; j++) {
      sNew[j] = (next.x[j] as number) - (x[j] as number);
      yNew[j] = (next.gradient[j] as number) - (gradient[j] as number);
    }
    const sy = dot(sNew, yNew);
    if (sy > 1e-12) {
      if (s.length === memory) {
        s.shift();
        y.shift();
        rho.shift();
      }
      s.push(sNew);
      y.push(yNew);
      rho.push(1 / sy);
    }
    const improvement = value - next.value;
    x = next.x;
    value = next.value;
    gradient = next.gradient;
    if (improvement <= relativeTolerance * Math.max(1, Math.abs(value))) {
      return { x, value, iterations: iteration + 1, evaluations, stop: 'value' };
    }
  }
  return { x, value, iterations: maxIterations, evaluations, stop: 'iterations' };
}
