// Just the part of s3rver (which ships no types) that local-s3.ts uses.
declare module 's3rver' {
  import type { Server } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    allowMismatchedSignatures?: boolean;
    vhostBuckets?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  class S3rver {
    constructor(options?: S3rverOptions);
    run(): Promise<AddressInfo>;
    close(): Promise<void>;
    on(event: 'event', listener: (event: { Records: unknown[] }) => void): this;
    on(event: 'error', listener: (error: Error) => void): this;
    off(event: string, listener: (...args: never[]) => void): this;
    readonly httpServer: Server | undefined;
  }
  export default S3rver;
}
