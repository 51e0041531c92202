export interface ImageLimits {
  /** Largest encoded size accepted, in bytes. */
  maxBytes: number;
  /** Largest decoded size accepted, in pixels (width × height), checked from the header. */
  maxPixels: number;
}

// 25 MiB covers any camera JPEG; 40 MP covers phone cameras up to 7680×5120 while keeping the decoded
// RGBA bitmap (4 bytes a pixel) near 160 MB, well inside a 2 GB Lambda.
export const DEFAULT_LIMITS: ImageLimits = { maxBytes: 25 * 1024 * 1024, maxPixels: 40_000_000 };
