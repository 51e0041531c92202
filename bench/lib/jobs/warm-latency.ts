import { readFileSync } from 'node:fs';
import { STAGES, type Stage, type WarmImageResult, type WarmJob, type WarmResult } from './job-types';

/**
 * Loads once (each engine's modules imported on demand, so the peer's process holds neither TF.js nor
 * jimp), then classifies each image `warmup` times unmeasured and `repeats` times measured. */
export async function runWarm(job: WarmJob): Promise<WarmResult> {
  const classifier =
    job.engine === 'peer'
      ? await (await import('../peer-classifier')).loadPeerClassifier(job.modelDir, job.onnxFile as string)
      : job.engine === 'onnx'
        ? await (await import('../onnx-classifier')).loadOnnxClassifier(
            job.modelDir,
            job.onnxFile as string,
            job.threads,
          )
        : await (await import('../tfjs-classifier')).loadTfjsClassifier(
            job.modelDir,
            job.backend,
            job.decoder,
          );
  const rssAfterLoadBytes = process.memoryUsage().rss;
  const images: WarmImageResult[] = [];
  for (const image of job.images) {
    const bytes = readFileSync(image.file);
    for (let i = 0; i < image.warmup; i++) await classifier.classify(bytes);
    const samples = Object.fromEntries(STAGES.map((s) => [s, [] as number[]])) as Record<Stage, number[]>;
    let last: Awaited<ReturnType<typeof classifier.classify>> | undefined;
    for (let i = 0; i < image.repeats; i++) {
      last = await classifier.classify(bytes);
      for (const stage of STAGES) samples[stage].push(last.timings[stage]);
    }
    images.push({
      name: image.name,
      width: last?.width ?? 0,
      height: last?.height ?? 0,
      bytes: bytes.length,
      samples,
      top1: last?.top1.label ?? '',
    });
  }
  return {
    backend: classifier.backend,
    images,
    rssAfterLoadBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
