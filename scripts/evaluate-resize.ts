/**
 * Measures which preprocessing fits the models better: centre crop or stretching the whole image.
 * Scores each mode by top-1 hits and the probability given to the expected class on labelled images.
 *
 *   npx tsx scripts/evaluate-resize.ts --images DIR [--photos DIR] --model DIR [--model DIR ...]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadClassifier, type ResizeMode } from '../function/classifier';

/** Expected ImageNet class ids (0..999) of the licensed test images. */
const EXPECTED: Record<string, number[]> = {
  'bird.bmp': [19], // chickadee
  'parrot.jpg': [88], // macaw
  'hot_dog.jpg': [934], // hotdog
  'cat.bmp': [281, 282, 285], // tabby, tiger cat, Egyptian cat
  'grace_hopper.bmp': [652, 906], // military uniform, Windsor tie
};
/** Non-square photos (768×576, 773×512) where the two modes differ most; looked up in --photos. */
const EXPECTED_PHOTOS: Record<string, number[]> = {
  'eagle.jpg': [21, 22], // kite, bald eagle
  'dog.jpg': [248, 249, 250], // Eskimo dog, malamute, Siberian husky
};

const { values } = parseArgs({
  options: {
    images: { type: 'string' },
    photos: { type: 'string' },
    model: { type: 'string', multiple: true },
  },
});
if (!values.images || !values.model?.length) {
  process.stderr.write('usage: evaluate-resize --images DIR --model DIR [--model DIR ...]\n');
  process.exit(2);
}
const cases: Array<[string, number[]]> = [
  ...Object.entries(EXPECTED).map(([f, ids]): [string, number[]] => [
    path.join(values.images as string, f),
    ids,
  ]),
  ...(values.photos
    ? Object.entries(EXPECTED_PHOTOS).map(([f, ids]): [string, number[]] => [
        path.join(values.photos as string, f),
        ids,
      ])
    : []),
];

process.stdout.write('| model | resize | top-1 hits | mean p(expected) |\n|---|---|---:|---:|\n');
for (const modelDir of values.model) {
  for (const resize of ['center-crop', 'stretch'] as ResizeMode[]) {
    const classifier = await loadClassifier({ modelDir, backend: 'wasm', resize });
    let hits = 0;
    let probability = 0;
    for (const [file, ids] of cases) {
      const result = await classifier.classify(await readFile(file), { topK: 100 });
      if (ids.includes(result.predictions[0]?.classId ?? -1)) hits++;
      probability += result.predictions
        .filter((p) => ids.includes(p.classId))
        .reduce((s, p) => s + p.probability, 0);
    }
    const n = cases.length;
    process.stdout.write(
      `| ${classifier.model.name} | ${resize} | ${hits}/${n} | ${((probability / n) * 100).toFixed(1)}% |\n`,
    );
    classifier.dispose();
  }
}
