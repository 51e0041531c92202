// Just the part of s3rver (which ships no types) that local-s3.ts uses.
declare module 's3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  interface S3rverOptions {
    silent?: boolean;
    directory?: string;
    configureBuckets?: Array<{ name: string }>;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    /** Creates the configured buckets without the S3 API. */
    configureBuckets(): Promise<void>;
    /** The Koa request listener, for an HTTP server of one's own. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    /** `event`: an S3 notification ({ Records }) for each object created, copied or deleted. */
    on(event: 'event', listener: (event: { Records: unknown[] }) => void): this;
    off(event: 'event', listener: (event: { Records: unknown[] }) => void): this;
  }
  export default S3rver;
}
