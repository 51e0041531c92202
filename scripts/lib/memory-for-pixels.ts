/**
 * The template's defaults for memory and the pixel limit, and the memory a pixel limit needs. Peak memory
 * per image was measured with the portable decoder (jimp) and MobileNet v2 on wasm (maximum RSS of the CLI
 * on one JPEG: 267 MB for a small photo, 717 MB at 12 MP, 1187 MB at 24 MP, 1683 MB at 35.9 MP): about
 * 240 MB plus 40 bytes a pixel, and Lambda gets 10 % on top (docs/deploy.md, "Memory and the pixel limit").
 * template.yaml's MaxPixels Rules follow this line and its defaults equal these (test/template/).
 */
export const TEMPLATE_DEFAULT_MEMORY_MB = 1536;
export const TEMPLATE_DEFAULT_MAX_PIXELS = 24_000_000;

const BASE_MB = 240;
const BYTES_PER_PIXEL = 40;
const MARGIN = 1.1;

/** The memory size (MB) a function needs to decode images of up to `pixels` pixels with jimp. */
export const memoryForPixelsMb = (pixels: number): number =>
  (BASE_MB + (pixels * BYTES_PER_PIXEL) / 1e6) * MARGIN;
