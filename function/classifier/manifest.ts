import * as z from 'zod';

/**
 * Model facts live beside the model as data (`lambdavision.json`), never as `if (model === …)` in code.
 * Every field is optional: what is missing is read from the model itself (input size, class count) or
 * takes the default that fits the ImageNet MobileNets (inputs in [-1, 1], centre crop).
 */
export const MANIFEST_FILE = 'lambdavision.json';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);
const count = z.number().int().positive();

/**
 * A head trained on the base model's embeddings (`lambdavision train`): the model above is the base,
 * the labels file names the head's outputs, and one little-endian float32 file holds, in order, the
 * embedding mean and scale [size] each, the dense kernel [size × dense.classes.length] and bias, and the
 * neighbour exemplars [exemplars × size] (standardised, L2-normalised).
 */
export const headSchema = z
  .object({
    weights: z.string().min(1),
    embeddingSize: count,
    /** How many labels the head answers with (the label file's length). */
    labels: count,
    /** A softmax layer over these label indices (the labels with enough images to train it). */
    dense: z
      .object({ classes: z.array(z.number().int().min(0)).min(1) })
      .strict()
      .optional(),
    /**
     * Nearest neighbours for labels with too few images: `labels` gives each exemplar's label index; the
     * k most similar (cosine) vote with weight exp(similarity / temperature).
     */
    neighbours: z
      .object({
        k: count,
        temperature: z.number().positive(),
        labels: z.array(z.number().int().min(0)).min(1),
      })
      .strict()
      .optional(),
  })
  .strict()
  .refine((h) => h.dense || h.neighbours, { message: 'a head needs dense, neighbours or both' })
  .refine((h) => [...(h.dense?.classes ?? []), ...(h.neighbours?.labels ?? [])].every((i) => i < h.labels), {
    message: 'a label index is beyond head.labels',
  });
export type HeadManifest = z.infer<typeof headSchema>;

export const manifestSchema = z
  .object({
    name: z.string().min(1).optional(),
    /** The TensorFlow.js or SavedModel file, relative to the manifest; found by convention when absent. */
    model: z.string().min(1).optional(),
    /** [height, width]; read from the model's input shape when absent. */
    inputSize: z.tuple([z.number().int().positive(), z.number().int().positive()]).optional(),
    /** Pixel values 0..255 are mapped linearly onto [min, max]. */
    inputRange: z.tuple([z.number(), z.number()]).optional(),
    /** torchvision-style normalisation instead: (x/255 - mean) / std per channel; excludes inputRange. */
    normalize: z.object({ mean: rgbTriple, std: rgbTriple }).strict().optional(),
    /** `auto`: softmax output or logits, as the model's last op or layer says, else as the warm-up output looks. */
    output: z.enum(['auto', 'probabilities', 'logits']).optional(),
    /** How many leading outputs are not ImageNet classes (1 for the TF-slim "background" class). */
    backgroundClasses: z.number().int().min(0).optional(),
    /** Label file relative to the manifest: a JSON array of names, or text with one name per line. */
    labels: z.string().min(1).optional(),
    /** `center-crop` cuts the largest central square before resizing; `stretch` resizes the whole image. */
    resize: z.enum(['center-crop', 'stretch']).optional(),
    /** SavedModel only: tags and signature to serve. */
    tags: z.array(z.string()).optional(),
    signature: z.string().optional(),
    /** A trained head on the model's embeddings: the classifier answers with its labels instead. */
    head: headSchema.optional(),
  })
  .strict()
  .refine((m) => !(m.inputRange && m.normalize), {
    message: 'give either inputRange or normalize, not both',
  });

export type ModelManifest = z.infer<typeof manifestSchema>;
