import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { IMAGENET_CLASSES } from '@tensorflow-models/mobilenet/dist/imagenet_classes.js';
import { generateLabelHierarchy, HierarchyError } from './lib/label-hierarchy-generator';
import { PROJECT_ROOT } from './lib/project-root';

// Regenerates function/labels/imagenet-wordnet.json from WordNet 3.0 (Debian: apt-get install wordnet-base):
//   npx tsx scripts/generate-label-hierarchy.ts [--wordnet /usr/share/wordnet] [--pins <file>] [--out <file>]
const { values } = parseArgs({
  options: {
    wordnet: { type: 'string', default: '/usr/share/wordnet' },
    pins: {
      type: 'string',
      default: path.join(PROJECT_ROOT, 'scripts', 'data', 'imagenet-synset-pins.json'),
    },
    out: { type: 'string', default: path.join(PROJECT_ROOT, 'function', 'labels', 'imagenet-wordnet.json') },
  },
});
const classNames = Array.from({ length: 1000 }, (_, i) => IMAGENET_CLASSES[i] ?? '');
try {
  const { pins } = JSON.parse(await readFile(values.pins, 'utf8')) as { pins: Record<string, string> };
  const data = await generateLabelHierarchy(classNames, values.wordnet, pins);
  await writeFile(values.out, `${JSON.stringify(data, null, 2)}\n`);
  process.stderr.write(
    `${data.classes.length} classes, ids increasing with the class index; ${Object.keys(data.synsets).length} synsets written to ${values.out}\n`,
  );
  for (const [kind, count] of Object.entries(data.matches)) process.stderr.write(`  ${count}\t${kind}\n`);
} catch (error) {
  if (!(error instanceof HierarchyError)) throw error;
  process.stderr.write(`generate-label-hierarchy: ${error.message}\n`);
  process.exitCode = 1;
}
