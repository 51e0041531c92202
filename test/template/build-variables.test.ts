import { type SpawnSyncReturns, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { tempDir } from '../support/tiny-models';
import { type Json, LAYER_DIR, loadTemplate } from './support/project-files';
import { conditions, ruleViolations } from './support/rules';

/**
 * What a `sam build` made decides what a deployment may say. The build's container variables
 * (LAMBDAVISION_BACKEND, ARCHITECTURE) fill one TensorFlow.js layer and one decoder layer and leave the
 * others without a file; the deploy parameters (Backend, Architecture, Decoder) choose which layers the
 * stack creates; Lambda refuses to create a layer from an empty archive. So a deployment that would attach
 * a layer the build did not make fails before the function changes, instead of failing at init.
 */

const template = loadTemplate();
const resources: Record<string, Json> = template.Resources;
const builtLayers = Object.entries(resources)
  .filter(([, r]) => r.Type === 'AWS::Serverless::LayerVersion' && r.Metadata?.BuildMethod === 'makefile')
  .map(([id]) => id);

/** The environment without the build variables, as in a container that was given none. */
function bareEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, npm_config_update_notifier: 'false' };
  for (const name of ['LAMBDAVISION_BACKEND', 'LAMBDAVISION_NATIVE_LAYER', 'ARCHITECTURE']) delete env[name];
  return env;
}

function make(
  target: string,
  vars: Record<string, string>,
  flags: string[] = ['-s'],
): SpawnSyncReturns<string> {
  const args = [...flags, '-f', path.join(LAYER_DIR, 'Makefile'), target];
  for (const [name, value] of Object.entries(vars)) args.push(`${name}=${value}`);
  return spawnSync('make', args, { cwd: LAYER_DIR, encoding: 'utf8', env: bareEnv() });
}

const files = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => !e.isDirectory())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    : [];

type Build = { LAMBDAVISION_BACKEND: 'wasm' | 'native'; ARCHITECTURE: 'x86_64' | 'arm64' };

/** Whether `make build-<id>` fills the layer for these variables (make -n: printed, nothing run). */
function fills(id: string, build: Build): boolean {
  const run = make(`build-${id}`, { ...build, ARTIFACTS_DIR: '/nonexistent/artifacts' }, ['-n']);
  expect(run.status, `${id}: ${run.stderr}`).to.equal(0);
  return !/^mkdir -p "[^"]*\/NOT-BUILT\./m.test(run.stdout);
}

/** A value of the template with its Fn::If resolved and AWS::NoValue dropped. */
function resolveIf(value: Json, isTrue: (name: string) => boolean): Json {
  if (Array.isArray(value))
    return value.map((v) => resolveIf(v, isTrue)).filter((v) => v?.Ref !== 'AWS::NoValue');
  if (value && typeof value === 'object' && 'Fn::If' in value) {
    const [name, yes, no] = value['Fn::If'];
    return resolveIf(isTrue(name) ? yes : no, isTrue);
  }
  return value;
}

describe('the build variables and the deploy parameters (layer/Makefile, template.yaml)', function () {
  this.timeout(60_000);

  before(function () {
    if (spawnSync('make', ['--version']).error) {
      console.log('      skipped: GNU make is not on PATH (the layers are built by layer/Makefile)');
      this.skip();
    }
  });

  describe('a build with a missing or impossible variable fails before anything is written', () => {
    for (const target of ['build-TfjsWasmLayer', 'build-TfjsNativeLayer']) {
      it(`${target} without LAMBDAVISION_BACKEND stops with a message naming both backends`, () => {
        // A `sam build --container-env-var X=1` replaces samconfig.toml's list, dropping its backend.
        const dir = path.join(tempDir(), 'artifacts');
        const run = make(target, { ARTIFACTS_DIR: dir });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.match(/LAMBDAVISION_BACKEND is '', expected wasm or native/);
        expect(run.stderr).to.include('repeat LAMBDAVISION_BACKEND=');
        expect(existsSync(dir)).to.equal(false);
      });

      it(`${target} with a value that is not a backend stops, and names the variable it replaced`, () => {
        const dir = path.join(tempDir(), 'artifacts');
        const invalid = make(target, { ARTIFACTS_DIR: dir, LAMBDAVISION_BACKEND: 'tensorflow' });
        expect(invalid.status).to.equal(2);
        expect(invalid.stderr).to.match(/LAMBDAVISION_BACKEND is 'tensorflow', expected wasm or native/);
        // The variable of earlier builds, alone: said to be replaced rather than silently ignored.
        const old = make(target, { ARTIFACTS_DIR: dir, LAMBDAVISION_NATIVE_LAYER: 'skip' });
        expect(old.status).to.equal(2);
        expect(old.stderr).to.include('LAMBDAVISION_NATIVE_LAYER=skip is no longer read');
        expect(old.stderr).to.include('skip is now LAMBDAVISION_BACKEND=wasm');
        expect(existsSync(dir)).to.equal(false);
      });

      it(`${target} refuses native for arm64 (tfjs-node ships libtensorflow for x86_64 only)`, () => {
        const dir = path.join(tempDir(), 'artifacts');
        const run = make(target, {
          ARTIFACTS_DIR: dir,
          LAMBDAVISION_BACKEND: 'native',
          ARCHITECTURE: 'arm64',
        });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include('LAMBDAVISION_BACKEND=native needs ARCHITECTURE=x86_64');
        expect(existsSync(dir)).to.equal(false);
      });
    }

    for (const target of ['build-DecoderLayerX86', 'build-DecoderLayerArm64', 'build-TfjsWasmLayer']) {
      it(`${target} refuses an architecture Lambda does not have`, () => {
        const dir = path.join(tempDir(), 'artifacts');
        const run = make(target, {
          ARTIFACTS_DIR: dir,
          LAMBDAVISION_BACKEND: 'wasm',
          ARCHITECTURE: 'aarch64',
        });
        expect(run.status).to.equal(2);
        expect(run.stderr).to.include("ARCHITECTURE must be x86_64 or arm64, got 'aarch64'");
        expect(existsSync(dir)).to.equal(false);
      });
    }
  });

  describe('the layers a build leaves out have no file, so Lambda cannot publish them', () => {
    const cases: Array<[string, Record<string, string>, string]> = [
      ['TfjsNativeLayer', { LAMBDAVISION_BACKEND: 'wasm' }, 'LAMBDAVISION_BACKEND=wasm'],
      ['TfjsWasmLayer', { LAMBDAVISION_BACKEND: 'native' }, 'LAMBDAVISION_BACKEND=native'],
      // ARCHITECTURE unset: x86_64, the template's default Architecture.
      ['DecoderLayerArm64', {}, 'ARCHITECTURE=x86_64'],
      ['DecoderLayerX86', { ARCHITECTURE: 'arm64' }, 'ARCHITECTURE=arm64'],
    ];
    for (const [id, vars, why] of cases) {
      it(`build-${id} with ${why} downloads nothing and writes no file, only a folder saying why`, () => {
        // Prepare: what a previous real build by hand would have left there.
        const dir = tempDir('lambdavision-not-built-');
        mkdirSync(path.join(dir, 'nodejs', 'node_modules'), { recursive: true });
        writeFileSync(path.join(dir, 'nodejs', 'node_modules', 'stale.js'), '');

        // Act
        const run = make(`build-${id}`, { ...vars, ARTIFACTS_DIR: dir });

        // Assess: SAM zips files only, so the archive it uploads is empty.
        expect(run.status, run.stderr).to.equal(0);
        expect(run.stdout).to.include(`${id}: not built (${why}), left empty`);
        expect(files(dir)).to.deep.equal([]);
        expect(readdirSync(dir)).to.deep.equal([`NOT-BUILT.${why}`]);
      });
    }

    it('a layer left out refuses an ARTIFACTS_DIR that holds other files, rather than ship them', () => {
      const dir = tempDir('lambdavision-not-built-');
      writeFileSync(path.join(dir, 'notes.txt'), 'x');
      const run = make('build-TfjsNativeLayer', { ARTIFACTS_DIR: dir, LAMBDAVISION_BACKEND: 'wasm' });
      expect(run.status).to.equal(2);
      expect(run.stderr).to.include('holds files; a layer left out must be empty');
    });
  });

  describe('every deployment either matches its build or is refused before the function changes', () => {
    const builds: Build[] = [
      { LAMBDAVISION_BACKEND: 'wasm', ARCHITECTURE: 'x86_64' },
      { LAMBDAVISION_BACKEND: 'wasm', ARCHITECTURE: 'arm64' },
      { LAMBDAVISION_BACKEND: 'native', ARCHITECTURE: 'x86_64' },
    ];
    const deployments = template.Parameters.Backend.AllowedValues.flatMap((Backend: string) =>
      template.Parameters.Architecture.AllowedValues.flatMap((Architecture: string) =>
        template.Parameters.Decoder.AllowedValues.map((Decoder: string) => ({
          Backend,
          Architecture,
          Decoder,
        })),
      ),
    ) as Array<{ Backend: string; Architecture: string; Decoder: string }>;

    it('the Makefile has a build for each layer, and fills exactly the build’s backend and architecture', () => {
      expect([...builtLayers].sort()).to.deep.equal([
        'DecoderLayerArm64',
        'DecoderLayerX86',
        'TfjsNativeLayer',
        'TfjsWasmLayer',
      ]);
      const filled = builds.map((b) => builtLayers.filter((id) => fills(id, b)).sort());
      expect(filled).to.deep.equal([
        ['DecoderLayerX86', 'TfjsWasmLayer'],
        ['DecoderLayerArm64', 'TfjsWasmLayer'],
        ['DecoderLayerX86', 'TfjsNativeLayer'],
      ]);
    });

    it('the function attaches exactly the layers the stack creates, and BACKEND names the attached one', () => {
      for (const params of deployments) {
        const isTrue = conditions(template, params);
        const created = Object.entries(resources)
          .filter(([, r]) => r.Type === 'AWS::Serverless::LayerVersion')
          .filter(([, r]) => r.Condition === undefined || isTrue(r.Condition))
          .map(([id]) => id)
          .sort();
        const fn = resources.ClassifierFunction.Properties;
        const attached = resolveIf(fn.Layers, isTrue).map((l: Json) => l.Ref);
        expect([...attached].sort(), JSON.stringify(params)).to.deep.equal(created);
        const backend = resolveIf(fn.Environment.Variables.BACKEND, isTrue);
        expect(backend, JSON.stringify(params)).to.equal(
          attached.includes('TfjsNativeLayer') ? 'tensorflow' : 'wasm',
        );
      }
    });

    it('deploys exactly when the build made every layer the parameters create (Rules and Lambda refuse the rest)', () => {
      for (const build of builds) {
        const filled = new Set(builtLayers.filter((id) => fills(id, build)));
        for (const params of deployments) {
          // Prepare: what CloudFormation checks, Rules first, then each layer it creates.
          const isTrue = conditions(template, params);
          const created = builtLayers.filter((id) => isTrue(resources[id].Condition));
          const accepted =
            ruleViolations(template, params).length === 0 && created.every((id) => filled.has(id));

          // Assess: it runs when its backend is the build's, and sharp (if used) is the build's CPU.
          const runs =
            params.Backend === (build.LAMBDAVISION_BACKEND === 'native' ? 'native' : 'wasm') &&
            !(params.Backend === 'native' && params.Architecture === 'arm64') &&
            (params.Decoder === 'jimp' || params.Architecture === build.ARCHITECTURE);
          expect(accepted, `build ${JSON.stringify(build)}, deploy ${JSON.stringify(params)}`).to.equal(runs);
        }
      }
    });
  });
});
