/**
 * AWS Lambda and Amazon Rekognition public list prices as published for us-east-1 (first pricing tier). The
 * bench runs offline and does not fetch prices; check the pricing pages before quoting.
 */
export const PRICES = {
  region: 'us-east-1',
  lambdaArch: 'x86_64',
  /** USD per GB-second of Lambda duration (x86, first tier). */
  lambdaGbSecond: 0.0000166667,
  /** USD per GB-second of Lambda duration on arm64 (Graviton, first tier). */
  lambdaArmGbSecond: 0.0000133334,
  /** USD per million Lambda requests. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda bills duration in 1 ms steps. */
  lambdaBillingStepMs: 1,
  /** USD per image for Rekognition DetectLabels (Group 1 API, first 1M images a month: $1.00 per 1,000). */
  rekognitionPerImage: 0.001,
} as const;

export const MEMORY_MB = 2048;

/** USD for one million invocations of `durationMs` each at `memoryMb`, one image per invocation. */
export function lambdaCostPerMillion(
  durationMs: number,
  memoryMb = MEMORY_MB,
  architecture: 'x86_64' | 'arm64' = 'x86_64',
): number {
  const billedMs = Math.ceil(durationMs / PRICES.lambdaBillingStepMs) * PRICES.lambdaBillingStepMs;
  const gbSeconds = (memoryMb / 1024) * (billedMs / 1000);
  const price = architecture === 'arm64' ? PRICES.lambdaArmGbSecond : PRICES.lambdaGbSecond;
  return 1e6 * gbSeconds * price + PRICES.lambdaPerMillionRequests;
}

/** Lambda's CPU share grows with memory: one full vCPU at 1,769 MB (AWS Lambda documentation). */
export const MB_PER_VCPU = 1769;

export const rekognitionCostPerMillion = (): number => 1e6 * PRICES.rekognitionPerImage;
