import path from 'node:path';
import { runTrain } from '../../../scripts/cli/train-command';
import { scratchDir } from '../../support/scratch';
import { buildTinyMobileNet } from '../../support/tiny-models';
import { type ColourName, writeColourSet } from './colour-set';

export interface TrainedColours {
  /** The model folder `lambdavision train` wrote. */
  dir: string;
  /** Its labels, in output order (train sorts them). */
  labels: string[];
  /** Labels with enough images for the softmax layer, and the few-shot one answered by neighbours. */
  dense: ColourName[];
  fewShot: ColourName;
}

const KEY = Symbol.for('lambdavision.test.trained-colours');
const shared = globalThis as { [KEY]?: Promise<TrainedColours> };

/**
 * One model trained per test run, shared by every test that deploys a trained model (training is the slow
 * part). Trained as a user would, through `lambdavision train`, on a tiny base model and colour images:
 * red, green and yellow with enough images for the softmax layer (13 each: about 10 train after the 20 %
 * split), blue with 5 for the nearest-neighbour path, so both halves of a head run wherever it is deployed.
 * The folder is the tests' to read, never to change: copy it to alter it.
 */
export function trainedColourModel(): Promise<TrainedColours> {
  shared[KEY] ??= train();
  return shared[KEY];
}

async function train(): Promise<TrainedColours> {
  const dir = scratchDir('lambdavision-trained-');
  const base = await buildTinyMobileNet(path.join(dir, 'base'), { size: 32, classes: 5 });
  const data = writeColourSet(path.join(dir, 'data'), { red: 13, green: 13, yellow: 13, blue: 5 });
  const model = path.join(dir, 'colours');
  let log = '';
  const io = { write: (s: string) => (log += s) };
  const status = await runTrain([data, '--out', model, '--base', base, '--no-cache', '--workers', '1'], {
    stdout: io,
    stderr: io,
    env: {},
  });
  if (status !== 0) throw new Error(`training the shared test model failed (${status}):\n${log}`);
  return {
    dir: model,
    labels: ['blue', 'green', 'red', 'yellow'],
    dense: ['green', 'red', 'yellow'],
    fewShot: 'blue',
  };
}
