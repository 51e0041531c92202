import type { ModelManifest } from '../../function/classifier';

/**
 * The models `fetch-model` knows by name. Data only: where the files come from, their SHA-256 where this
 * project has seen the bytes, and the facts the classifier needs (written to lambdavision.json).
 *
 * Checksums are recorded only for bytes someone actually hashed. The default is a TensorFlow Lite file at
 * a raw-file URL fixed to one commit, pinned. The TF Hub entries are unpinned alternatives: this project
 * was written without access to tfhub.dev, so their files were never seen, and TF Hub's redirects through
 * Kaggle have answered 403 since October 2025 (tensorflow/tfjs#8595, tensorflow/hub#889). `fetch-model`
 * refuses an unpinned download unless told `--record-checksums`, which trusts what the server sends that
 * first time, prints the hashes loudly and keeps them in .lambdavision/model-pins.json for later fetches
 * (paste them here to pin them for everyone).
 */
export interface CatalogEntry {
  description: string;
  /**
   * The model folder's URL; files are read as `<url>/<file>` + `query`. Absent for models with no public
   * download, which can only come `--from` a local copy.
   */
  url?: string;
  /** Appended to every file URL (TF Hub serves the raw files with `?tfjs-format=file`). */
  query?: string;
  /** The model file inside the source folder: a TF.js `model.json` (shards follow it) or a `.tflite`. */
  modelPath: string;
  /** `imagenet-1000`: the 1000 ImageNet class names of @tensorflow-models/mobilenet. Else a file in the source. */
  labels: 'imagenet-1000' | { path: string };
  /** SHA-256 (hex) by path relative to the source folder; a file not listed here is unpinned. */
  sha256: Readonly<Record<string, string>>;
  manifest: ModelManifest;
}

export const DEFAULT_CATALOG_MODEL = 'mobilenet_v2_1.0_224_quant';

/** google-coral/test_data at the commit whose files this project hashed. */
const CORAL_TEST_DATA =
  'https://raw.githubusercontent.com/google-coral/test_data/104342d2d3480b3e66203073dac24f4e2dbb4c41';

export const MODEL_CATALOG: Readonly<Record<string, CatalogEntry>> = {
  'mobilenet_v2_1.0_224_quant': {
    description:
      'MobileNet v2 1.0 224 quantization-aware-trained (uint8), ImageNet (1001 outputs, background first), the TensorFlow Lite file of google-coral/test_data at a fixed commit (Apache-2.0), 3.6 MB',
    url: CORAL_TEST_DATA,
    modelPath: 'mobilenet_v2_1.0_224_quant.tflite',
    labels: { path: 'imagenet_labels.txt' },
    sha256: {
      'mobilenet_v2_1.0_224_quant.tflite': '7aad0c74c5e3c06e5eb3c827e13304fdd68a83da6087d92ee169c24ff9fd4776',
      'imagenet_labels.txt': 'b8aaeb5630c62626a7d124a05c0e14230a7ffdd2136a31d0190a4fb71c1d82f1',
    },
    // The published preprocessing, x/127.5 - 1 (the input's quantization alone gives [-1, 127/128]).
    manifest: {
      name: 'mobilenet_v2_1.0_224_quant',
      inputSize: [224, 224],
      inputRange: [-1, 1],
      backgroundClasses: 1,
      output: 'probabilities',
    },
  },
  'mobilenet_v2_1.0_224': {
    description:
      'MobileNet v2 1.0 224, ImageNet (1001 outputs, background first), TF.js graph model published on TF Hub (now served by Kaggle Models)',
    url: 'https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v2_100_224/classification/3/default/1',
    query: '?tfjs-format=file',
    modelPath: 'model.json',
    labels: 'imagenet-1000',
    sha256: {},
    // TF Hub image models take RGB in [0, 1] and end in logits; `auto` confirms the latter at warm-up.
    manifest: {
      name: 'mobilenet_v2_1.0_224',
      inputSize: [224, 224],
      inputRange: [0, 1],
      backgroundClasses: 1,
      output: 'auto',
    },
  },
  resnet_v2_50: {
    description:
      'ResNet-50 v2, ImageNet (1001 outputs, background first), TF.js graph model on TF Hub: about 100 MB, slower, more accurate; set MODEL_RESERVE=110 for the native layer budget',
    url: 'https://tfhub.dev/google/tfjs-model/imagenet/resnet_v2_50/classification/3/default/1',
    query: '?tfjs-format=file',
    modelPath: 'model.json',
    labels: 'imagenet-1000',
    sha256: {},
    manifest: {
      name: 'resnet_v2_50',
      inputSize: [224, 224],
      inputRange: [0, 1],
      backgroundClasses: 1,
      output: 'auto',
    },
  },
  'mobilenet_v2_1.0_224_quant_tfjs': {
    description:
      'MobileNet v2 1.0 224 quantization-aware-trained, rebuilt as a TF.js layers model from the TFLite file of google-coral/test_data (no public TF.js download: fetch it --from a copy)',
    modelPath: 'tfjs/model.json',
    labels: { path: 'imagenet_labels_1001.json' },
    // Hashes of the derived files as documented with the copy this project was developed against.
    sha256: {
      'tfjs/model.json': '6bf38fb9e0a435ed3bc0a09c7b84f85c8cbfa496ea126da1cd2c3f9c40371719',
      'tfjs/group1-shard1of2.bin': '8be2dac294f76e06f5d0716b5d0bf1165dcc5766b4c8ed120fbf7605cd8de8dc',
      'tfjs/group1-shard2of2.bin': '96278637e28b3413bb44efab290842e34e5c7baeaaad2ee74e44d429becebf0a',
      'imagenet_labels_1001.json': '38014e5359efd49a36482ff6a892ec4b526899e5cec4a15c44a976e03d542835',
    },
    manifest: {
      name: 'mobilenet_v2_1.0_224_quant',
      inputSize: [224, 224],
      inputRange: [-1, 1],
      backgroundClasses: 1,
      output: 'probabilities',
    },
  },
};

/** Whether every file of a downloadable entry is pinned (else it needs --record-checksums). */
export const isPinned = (entry: CatalogEntry): boolean => Object.keys(entry.sha256).length > 0;
