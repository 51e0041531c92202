import type { LogAttributes } from '@aws-lambda-powertools/logger/types';
import type { Context } from 'aws-lambda';
import type { BackendName, ClassificationResult, Classifier, ModelInfo } from '../../../function/classifier';
import type { HandlerDeps, LogSink, MetricsSink } from '../../../function/lambda';
import { CONFIG_DEFAULTS, type LambdaConfig } from '../../../function/lambda/config';
import { ObjectStoreError } from '../../../function/lambda/errors';
import type {
  GetObjectRequest,
  HeadObjectRequest,
  ObjectHead,
  ObjectStore,
  PutObjectRequest,
  PutObjectResult,
  StoredObject,
} from '../../../function/lambda/object-store';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error' | 'critical';
  message: string;
  attributes: LogAttributes;
}

/** Records what the handler logs, in place of Powertools' Logger. */
export class RecordingLogger implements LogSink {
  readonly entries: LogEntry[] = [];
  readonly contexts: Context[] = [];
  debug(message: string, attributes: LogAttributes): void {
    this.entries.push({ level: 'debug', message, attributes });
  }
  info(message: string, attributes: LogAttributes): void {
    this.entries.push({ level: 'info', message, attributes });
  }
  warn(message: string, attributes: LogAttributes): void {
    this.entries.push({ level: 'warn', message, attributes });
  }
  error(message: string, attributes: LogAttributes): void {
    this.entries.push({ level: 'error', message, attributes });
  }
  critical(message: string, attributes: LogAttributes): void {
    this.entries.push({ level: 'critical', message, attributes });
  }
  addContext(context: Context): void {
    this.contexts.push(context);
  }
  withMessage(message: string): LogEntry[] {
    return this.entries.filter((e) => e.message === message);
  }
}

/** Records metrics, in place of Powertools' Metrics. */
export class RecordingMetrics implements MetricsSink {
  readonly metrics: Array<{ name: string; unit: string; value: number }> = [];
  coldStartCalls = 0;
  published = 0;
  addMetric(name: string, unit: string, value: number): void {
    this.metrics.push({ name, unit, value });
  }
  captureColdStartMetric(): void {
    this.coldStartCalls += 1;
  }
  publishStoredMetrics(): void {
    this.published += 1;
  }
  values(name: string): number[] {
    return this.metrics.filter((m) => m.name === name).map((m) => m.value);
  }
}

export interface StoredEntry {
  body: Uint8Array;
  etag: string;
  versionId?: string;
  contentType?: string;
  metadata?: Record<string, string>;
}

/**
 * An in-memory ObjectStore. `failGet`/`failPut` make a key's next calls throw the given error, the way
 * the S3 store reports failures.
 */
export class MemoryObjectStore implements ObjectStore {
  readonly objects = new Map<string, StoredEntry>();
  readonly failGet = new Map<string, ObjectStoreError>();
  readonly failHead = new Map<string, ObjectStoreError>();
  readonly failPut = new Map<string, ObjectStoreError>();
  readonly gets: GetObjectRequest[] = [];
  readonly puts: PutObjectRequest[] = [];
  readonly heads: HeadObjectRequest[] = [];
  #etags = 0;

  static id = (bucket: string, key: string): string => `${bucket}/${key}`;

  add(bucket: string, key: string, body: Uint8Array, versionId?: string): StoredEntry {
    this.#etags += 1;
    const entry = { body, etag: `etag-${this.#etags}`, versionId };
    this.objects.set(MemoryObjectStore.id(bucket, key), entry);
    return entry;
  }

  text(bucket: string, key: string): string | undefined {
    const entry = this.objects.get(MemoryObjectStore.id(bucket, key));
    return entry && Buffer.from(entry.body).toString('utf8');
  }

  json<T = Record<string, unknown>>(bucket: string, key: string): T | undefined {
    const text = this.text(bucket, key);
    return text === undefined ? undefined : (JSON.parse(text) as T);
  }

  async get(request: GetObjectRequest): Promise<StoredObject> {
    this.gets.push(request);
    const id = MemoryObjectStore.id(request.bucket, request.key);
    const failure = this.failGet.get(id);
    if (failure) throw failure;
    const entry = this.objects.get(id);
    if (!entry) throw new ObjectStoreError('OBJECT_NOT_FOUND', `no object ${id}`);
    return {
      bytes: entry.body,
      etag: entry.etag,
      versionId: entry.versionId,
      contentType: entry.contentType,
    };
  }

  async head(request: HeadObjectRequest): Promise<ObjectHead | undefined> {
    this.heads.push(request);
    const id = MemoryObjectStore.id(request.bucket, request.key);
    const failure = this.failHead.get(id);
    if (failure) throw failure;
    const entry = this.objects.get(id);
    if (!entry) return undefined;
    return {
      etag: entry.etag,
      versionId: entry.versionId,
      contentLength: entry.body.length,
      metadata: { ...entry.metadata },
    };
  }

  async put(request: PutObjectRequest): Promise<PutObjectResult> {
    this.puts.push(request);
    const id = MemoryObjectStore.id(request.bucket, request.key);
    const failure = this.failPut.get(id);
    if (failure) throw failure;
    const body = typeof request.body === 'string' ? Buffer.from(request.body) : request.body;
    this.#etags += 1;
    const entry = {
      body,
      etag: `etag-${this.#etags}`,
      contentType: request.contentType,
      metadata: request.metadata,
    };
    this.objects.set(id, entry);
    return { etag: entry.etag, versionId: undefined };
  }
}

const FAKE_MODEL: ModelInfo = {
  name: 'fake-model',
  format: 'layers-model',
  inputSize: [224, 224],
  classes: 1000,
  backgroundClasses: 1,
  output: 'probabilities',
  resize: 'center-crop',
  labels: 'fake',
};

/**
 * A classifier that answers from the bytes' first character: `F` and `E` throw the given errors,
 * anything else is a "macaw". Calls are recorded.
 */
export function fakeClassifier(behaviour: { fail?: Record<string, Error> } = {}): Classifier & {
  calls: Array<{ bytes: Uint8Array; topK?: number; minConfidence?: number }>;
} {
  const calls: Array<{ bytes: Uint8Array; topK?: number; minConfidence?: number }> = [];
  const backend: BackendName = 'wasm';
  return {
    calls,
    backend,
    decoder: 'jimp',
    model: FAKE_MODEL,
    limits: { maxBytes: 1024, maxPixels: 1e6 },
    async classify(bytes, options = {}): Promise<ClassificationResult> {
      calls.push({ bytes, ...options });
      const failure = behaviour.fail?.[Buffer.from(bytes).toString('utf8')];
      if (failure) throw failure;
      return {
        predictions: [
          { classId: 88, label: 'macaw', probability: 0.9 },
          { classId: 90, label: 'lorikeet', probability: 0.05 },
        ].slice(0, options.topK ?? 5),
        model: FAKE_MODEL.name,
        backend,
        decoder: 'jimp',
        image: { format: 'jpg', width: 10, height: 10, bytes: bytes.length },
        timings: { decodeMs: 1, preprocessMs: 1, inferenceMs: 1, totalMs: 3 },
      };
    },
    dispose: () => undefined,
  };
}

export function testConfig(overrides: Partial<LambdaConfig> = {}): LambdaConfig {
  return { ...CONFIG_DEFAULTS, resultsBucket: undefined, warmUp: true, ...overrides };
}

/** A Lambda context whose remaining time is `remainingMs` (fixed, unless a function is given). */
export function lambdaContext(
  remainingMs: number | (() => number) = 30_000,
  requestId = 'request-1',
): Context {
  const remaining = typeof remainingMs === 'number' ? () => remainingMs : remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'lambdavision-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:lambdavision-test',
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: '/aws/lambda/lambdavision-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: remaining,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * A handler built by `create` over fakes: an in-memory store, recording logger and metrics, a fake
 * classifier that fails as `fail` says, printed lines collected, a fixed clock. `overrides` replace parts.
 */
export function handlerWithFakes<H>(
  create: (deps: HandlerDeps) => H,
  fail: Record<string, Error>,
  overrides: Partial<HandlerDeps> = {},
) {
  const store = new MemoryObjectStore();
  const logger = new RecordingLogger();
  const metrics = new RecordingMetrics();
  const classifier = fakeClassifier({ fail });
  const printed: string[] = [];
  const deps: HandlerDeps = {
    store,
    classifier,
    logger,
    metrics,
    config: testConfig(),
    print: (line) => printed.push(line),
    now: () => new Date('2025-01-02T03:04:05.000Z'),
    ...overrides,
  };
  return { handler: create(deps), deps, store, logger, metrics, classifier, printed };
}
