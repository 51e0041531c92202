import { readFile } from 'node:fs/promises';
import {
  type ClassificationResult,
  type Classifier,
  ErrorCode,
  LambdaVisionError,
} from '../../function/classifier/index';

/** How `classify` asks each file: the same in this thread and in each worker. */
export interface ClassifyFileOptions {
  topK: number;
  minConfidence: number;
}

/** One file's outcome, as data: it crosses from a worker thread intact. */
export type FileOutcome =
  | { file: string; result: ClassificationResult }
  | { file: string; error: { code: string; message: string } };

/** An error as the command reports it: the project's code, an fs code (ENOENT, EACCES, EISDIR), else UNEXPECTED (a bug), the table's code for what nobody anticipated. */
export function describeError(error: unknown): { code: string; message: string } {
  if (error instanceof LambdaVisionError) return { code: error.code, message: error.message };
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') {
    return { code: error.code, message: error.message };
  }
  return { code: ErrorCode.UNEXPECTED, message: error instanceof Error ? error.message : String(error) };
}

/** Reads and classifies one file; never throws (a failure is the outcome). */
export async function classifyFile(
  classifier: Classifier,
  file: string,
  options: ClassifyFileOptions,
): Promise<FileOutcome> {
  try {
    return { file, result: await classifier.classify(await readFile(file), options) };
  } catch (error) {
    return { file, error: describeError(error) };
  }
}
