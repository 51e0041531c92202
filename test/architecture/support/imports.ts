import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The import rules' checks, apart from the test so the test's own fixtures are not mistaken for imports. */

export const ROOT = path.resolve(import.meta.dirname, '../../..');
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

export interface SourceFile {
  /** Relative to the project root, with forward slashes. */
  file: string;
  text: string;
}

/** The source files under a folder of the project (node_modules and dot folders left out). */
export function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (rel: string) => {
    for (const entry of readdirSync(path.join(ROOT, rel), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (SOURCE.test(entry.name) && !entry.name.endsWith('.d.ts'))
        out.push({ file: child, text: readFileSync(path.join(ROOT, child), 'utf8') });
    }
  };
  walk(dir);
  return out;
}

/** Every module specifier a file names: import/export … from, import(), require(), bare import. */
export function specifiersOf(text: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
  ];
  for (const pattern of patterns) for (const m of text.matchAll(pattern)) if (m[1]) found.push(m[1]);
  return found;
}

/** The wing and the module inside it a relative specifier reaches, e.g. lambda + `router`. */
function target(fromFile: string, specifier: string, wings: readonly string[]) {
  if (!specifier.startsWith('.')) return undefined;
  const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), specifier));
  const match = /^function\/([^/]+)(?:\/(.+))?$/.exec(resolved);
  if (!match?.[1] || !wings.includes(match[1])) return undefined;
  const inner = (match[2] ?? 'index').replace(/\.(ts|js)$/, '');
  return { wing: match[1], inner };
}

/** The wing a file belongs to (function/<wing>/…), or whose tests it is (test/<wing>/…). */
function homeWing(file: string, wings: readonly string[]): string | undefined {
  const match = /^(?:function|test)\/([^/]+)\//.exec(file);
  return match?.[1] && wings.includes(match[1]) ? match[1] : undefined;
}

/** Imports of a wing's internals from outside the wing (or its tests), as `file -> specifier`. */
export function frontDoorViolations(files: readonly SourceFile[], wings: readonly string[]): string[] {
  const violations: string[] = [];
  for (const { file, text } of files) {
    const home = homeWing(file, wings);
    for (const specifier of specifiersOf(text)) {
      const reached = target(file, specifier, wings);
      if (!reached || reached.inner === 'index' || reached.wing === home) continue;
      violations.push(`${file} -> ${specifier}`);
    }
  }
  return violations;
}

const AWS_PACKAGE = /^(aws-lambda|aws-sdk|@aws-sdk\/|@aws-lambda-powertools\/|@smithy\/)/;

/** What the classifier core must not do: import AWS, or read the environment. */
export function coreViolations(files: readonly SourceFile[]): string[] {
  const violations: string[] = [];
  for (const { file, text } of files) {
    for (const specifier of specifiersOf(text))
      if (AWS_PACKAGE.test(specifier)) violations.push(`${file} imports ${specifier}`);
    if (/\bprocess\s*(\.\s*env\b|\[\s*['"]env['"]\s*\])/.test(text))
      violations.push(`${file} reads process.env`);
  }
  return violations;
}
