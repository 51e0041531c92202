import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { OnDemandResult } from '../../../function/lambda';
import { runClassify } from '../../../scripts/cli/classify-command';
import { type DevServer, startDevServer } from '../../../scripts/lib/dev-server';
import { realModelDir, requireShared, testImagesDir } from '../../support/shared-data';
import { RecordingLogger } from '../support/fakes';
import { sharedRealClassifier } from '../support/real-classifier';

const run = promisify(execFile);
const IMAGES = ['parrot.jpg', 'hot_dog.jpg', 'bird.bmp', 'cat.bmp', 'grace_hopper.bmp'];

async function curlAvailable(): Promise<boolean> {
  try {
    await run('curl', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** What `npx tsx scripts/classify.ts --top 1 --json --model DIR FILE...` prints, run in this process. */
async function classifyCli(
  modelDir: string,
  files: string[],
): Promise<Array<{ file: string; classId: number }>> {
  let out = '';
  const status = await runClassify(['--top', '1', '--json', '--no-progress', '--model', modelDir, ...files], {
    stdout: { write: (chunk: string) => (out += chunk) },
    stderr: { write: () => true },
    env: {},
  });
  expect(status).to.equal(0);
  return out
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { file: string; predictions: Array<{ classId: number }> })
    .map(({ file, predictions }) => ({ file, classId: predictions[0]?.classId ?? -1 }));
}

describe('curl against the local endpoint and the classify CLI agree', () => {
  let server: DevServer;
  let modelDir: string;
  let images: string;

  before(async function () {
    modelDir = requireShared(this, realModelDir());
    images = requireShared(this, testImagesDir());
    if (!(await curlAvailable())) {
      console.log('      skipped: curl is not installed');
      this.skip();
    }
    server = await startDevServer({
      modelDir,
      port: 0,
      classifier: await sharedRealClassifier(modelDir),
      logger: new RecordingLogger(),
      say: () => undefined,
      print: () => undefined,
    });
  });
  after(async () => {
    await server?.close();
  });

  it('gives the same top class for each test image, sent as curl --data-binary sends it', async () => {
    // Prepare
    const files = IMAGES.map((name) => path.join(images, name));

    // Act
    const fromCurl: number[] = [];
    for (const file of files) {
      const { stdout } = await run('curl', [
        '-sS',
        '--fail-with-body',
        '--data-binary',
        `@${file}`,
        `${server.apiEndpoint}/classify?topK=1`,
      ]);
      fromCurl.push((JSON.parse(stdout) as OnDemandResult).predictions[0]?.classId ?? -1);
    }
    const fromCli = await classifyCli(modelDir, files);

    // Assess
    expect(fromCli.map((r) => path.basename(r.file))).to.deep.equal(IMAGES);
    expect(fromCurl).to.deep.equal(fromCli.map((r) => r.classId));
    expect(fromCurl.slice(0, 4)).to.deep.equal([88, 934, 19, 285]);
  });
});
