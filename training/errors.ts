import { type ErrorCode, LambdaVisionError } from '../function/classifier/index';

/** The labelled data, the split or the output folder cannot be used as given: the user's to fix. */
export class TrainingError extends LambdaVisionError {
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.name = 'TrainingError';
  }
}
