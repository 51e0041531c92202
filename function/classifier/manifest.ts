import { z } from 'zod';

/**
 * Model facts live beside the model as data (`lambdavision.json`), never as `if (model === …)` in code.
 * Every field is optional: what is missing is read from the model itself (input size, class count) or
 * takes the default that fits the ImageNet MobileNets (inputs in [-1, 1], centre crop).
 */
export const MANIFEST_FILE = 'lambdavision.json';

const rgbTriple = z.tuple([z.number(), z.number(), z.number()]);

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
    /** `auto` tells softmax output from logits by looking at the warm-up output. */
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
  })
  .strict()
  .refine((m) => !(m.inputRange && m.normalize), {
    message: 'give either inputRange or normalize, not both',
  });

export type ModelManifest = z.infer<typeof manifestSchema>;
