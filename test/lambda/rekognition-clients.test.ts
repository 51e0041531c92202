import { execFile } from 'node:child_process';
import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  DetectLabelsCommand,
  type DetectLabelsCommandOutput,
  InvalidImageFormatException,
  InvalidParameterException,
  InvalidS3ObjectException,
  RekognitionClient,
  type RekognitionClientConfig,
} from '@aws-sdk/client-rekognition';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { SignatureV4 } from '@smithy/signature-v4';
import { expect } from 'chai';
import { type DevServer, startDevServer } from '../../scripts/lib/dev-server';
import { LOCAL_S3_CREDENTIALS, LOCAL_S3_REGION } from '../../scripts/lib/local-s3';
import { photosDir, requireShared } from '../support/shared-data';
import { RecordingLogger } from './support/fakes';
import { localS3Client } from './support/local-s3-client';
import { requireRealModel } from './support/real-classifier';

const run = promisify(execFile);

async function awsCliAvailable(): Promise<boolean> {
  try {
    await run('aws', ['--version']);
    return true;
  } catch {
    return false;
  }
}

/** SHA-256 and HMAC-SHA-256 from node:crypto, in the shape SignatureV4 takes (a checksum constructor). */
type SourceData = string | ArrayBuffer | ArrayBufferView;
const bytesOf = (data: SourceData): string | Uint8Array =>
  typeof data === 'string'
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);
class Sha256 {
  private hash: Hash | Hmac;
  constructor(secret?: SourceData) {
    this.hash = secret === undefined ? createHash('sha256') : createHmac('sha256', bytesOf(secret));
  }
  update(data: SourceData): void {
    this.hash.update(bytesOf(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset(): void {}
}

const names = (output: { Labels?: { Name?: string }[] }) => (output.Labels ?? []).map((l) => l.Name);

describe('Rekognition clients against the dev server (aws CLI, AWS SDK)', () => {
  let server: DevServer;
  let s3: S3Client;
  let photos: string;
  let images: string;
  const printed: string[] = [];

  before(async function () {
    const real = await requireRealModel(this);
    images = real.images;
    photos = requireShared(this, photosDir());
    server = await startDevServer({
      modelDir: real.modelDir,
      port: 0,
      classifier: real.classifier,
      logger: new RecordingLogger(),
      say: () => undefined,
      print: (line) => printed.push(line),
      trigger: false,
      // The endpoint reads S3 references only under the operator's prefixes (default: the upload prefix).
      env: { ON_DEMAND_PREFIXES: 'photos/' },
    });
    s3 = localS3Client(server.endpoint);
  });
  after(async () => {
    s3?.destroy();
    await server?.close();
  });

  const sdk = (config: Partial<RekognitionClientConfig> = {}) =>
    new RekognitionClient({
      endpoint: server.apiEndpoint,
      region: LOCAL_S3_REGION,
      credentials: LOCAL_S3_CREDENTIALS,
      maxAttempts: 1,
      ...config,
    });

  describe('the aws CLI', () => {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_DEFAULT_REGION: 'us-east-1',
    };
    const cli = (...args: string[]) =>
      run('aws', ['rekognition', 'detect-labels', '--endpoint-url', server.apiEndpoint, ...args], { env });

    before(async function () {
      if (!(await awsCliAvailable())) {
        console.log('      skipped: the aws CLI is not installed');
        this.skip();
      }
    });

    it('answers --image-bytes for a dog photo with Animal, Mammal and Dog', async () => {
      // Act
      const { stdout } = await cli('--image-bytes', `fileb://${path.join(photos, 'dog.jpg')}`);

      // Assess
      const output = JSON.parse(stdout) as DetectLabelsCommandOutput;
      expect(names(output)).to.include.members(['Animal', 'Mammal', 'Dog']);
      const dog = output.Labels?.find((l) => l.Name === 'Dog');
      expect(dog?.Parents?.map((p) => p.Name)).to.include.members(['Mammal', 'Animal']);
      expect(dog?.Categories).to.deep.equal([{ Name: 'Animals and Pets' }]);
      expect(output.Labels?.every((l) => (l.Confidence ?? 0) >= 55)).to.equal(true);
      expect(output.LabelModelVersion).to.equal('lambdavision/mobilenet_v2_1.0_224_quant');
    });

    it('reads --image S3Object=… from the local S3, with --max-labels and image properties', async () => {
      // Prepare
      await s3.send(
        new PutObjectCommand({
          Bucket: server.bucket,
          Key: 'photos/eagle.jpg',
          Body: readFileSync(path.join(photos, 'eagle.jpg')),
        }),
      );

      // Act
      const { stdout } = await cli(
        '--image',
        `S3Object={Bucket=${server.bucket},Name=photos/eagle.jpg}`,
        '--max-labels',
        '3',
        '--features',
        'GENERAL_LABELS',
        'IMAGE_PROPERTIES',
      );

      // Assess
      const output = JSON.parse(stdout) as DetectLabelsCommandOutput;
      expect(names(output)).to.deep.equal(['Animal', 'Bird', 'Bird of Prey']);
      const colors = output.ImageProperties?.DominantColors ?? [];
      expect(colors.length).to.be.within(1, 10);
      expect(colors.reduce((sum, c) => sum + (c.PixelPercent ?? 0), 0)).to.be.closeTo(100, 0.5);
      expect(output.ImageProperties?.Quality?.Brightness).to.be.within(0, 100);
    });

    it("prints Rekognition's error types for a missing object and a non-image", async () => {
      const missing = await cli('--image', `S3Object={Bucket=${server.bucket},Name=photos/none.jpg}`).catch(
        (error: { stderr: string }) => error,
      );
      expect((missing as { stderr: string }).stderr).to.include('(InvalidS3ObjectException)');
      const notImage = await cli('--image-bytes', `fileb://${path.join(photos, 'README.md')}`).catch(
        (error: { stderr: string }) => error,
      );
      expect((notImage as { stderr: string }).stderr).to.include('(InvalidImageFormatException)');
    });
  });

  describe('the AWS SDK (DetectLabelsCommand)', () => {
    it('answers a cat photo with Cat, Pet and Animal, and prints the original line', async () => {
      // Prepare
      const client = sdk();

      // Act
      const output = await client.send(
        new DetectLabelsCommand({
          Image: { Bytes: readFileSync(path.join(images, 'cat.bmp')) },
          MaxLabels: 10,
        }),
      );
      client.destroy();

      // Assess
      expect(names(output)).to.include.members(['Cat', 'Pet', 'Animal', 'Mammal']);
      expect(output.$metadata.httpStatusCode).to.equal(200);
      expect(printed.some((line) => /^score=\S+ classid=285 human=Egyptian cat$/.test(line))).to.equal(true);
    });

    it('applies MinConfidence and the label and category filters', async () => {
      const client = sdk();
      const bytes = readFileSync(path.join(images, 'hot_dog.jpg'));
      const food = await client.send(
        new DetectLabelsCommand({
          Image: { Bytes: bytes },
          MinConfidence: 90,
          Settings: { GeneralLabels: { LabelCategoryInclusionFilters: ['Food and Beverage'] } },
        }),
      );
      const excluded = await client.send(
        new DetectLabelsCommand({
          Image: { Bytes: bytes },
          Settings: { GeneralLabels: { LabelExclusionFilters: ['Food'] } },
        }),
      );
      client.destroy();
      expect(names(food)).to.include('Food');
      expect(food.Labels?.every((l) => (l.Confidence ?? 0) >= 90)).to.equal(true);
      expect(names(excluded)).to.not.include('Food');
    });

    it("throws the SDK's own exception classes for bad requests", async () => {
      const client = sdk();
      const attempt = (input: ConstructorParameters<typeof DetectLabelsCommand>[0]) =>
        client.send(new DetectLabelsCommand(input)).then(
          () => undefined,
          (error: unknown) => error,
        );
      const notImage = await attempt({ Image: { Bytes: new TextEncoder().encode('hello') } });
      const missing = await attempt({ Image: { S3Object: { Bucket: server.bucket, Name: 'nothing.jpg' } } });
      const badConfidence = await attempt({ Image: { Bytes: new Uint8Array([1]) }, MinConfidence: 150 });
      client.destroy();
      expect(notImage).to.be.instanceOf(InvalidImageFormatException);
      expect(missing).to.be.instanceOf(InvalidS3ObjectException);
      expect(badConfidence).to.be.instanceOf(InvalidParameterException);
      expect((notImage as InvalidImageFormatException).$metadata.httpStatusCode).to.equal(400);
    });
  });

  describe('signing for a Function URL with IAM auth', () => {
    let proxy: Server;
    let proxyEndpoint: string;
    const verdicts: { scope: string; valid: boolean }[] = [];

    // A stand-in for the Function URL's IAM check: recomputes the SigV4 signature of each request as it
    // arrived, for the service `lambda`, then passes it on to the dev endpoint.
    before(async () => {
      const verifier = new SignatureV4({
        service: 'lambda',
        region: LOCAL_S3_REGION,
        credentials: LOCAL_S3_CREDENTIALS,
        sha256: Sha256,
      });
      proxy = createServer(async (req: IncomingMessage, res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of req) chunks.push(chunk as Buffer);
        const body = Buffer.concat(chunks);
        const authorization = String(req.headers.authorization ?? '');
        const signed = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
        const headers: Record<string, string> = {};
        for (const name of signed) headers[name] = String(req.headers[name] ?? '');
        const amzDate = String(req.headers['x-amz-date'] ?? '');
        const signingDate = new Date(
          amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
        );
        const url = new URL(req.url ?? '/', 'http://proxy');
        const expected = await verifier.sign(
          {
            method: req.method ?? 'POST',
            protocol: 'http:',
            hostname: url.hostname,
            path: url.pathname,
            query: {},
            headers,
            body,
          },
          { signingDate },
        );
        verdicts.push({
          scope: /Credential=[^/]+\/[^/]+\/([^,]+)/.exec(authorization)?.[1] ?? '',
          valid: expected.headers.authorization === authorization,
        });
        const forward = httpRequest(
          `${server.apiEndpoint}${req.url ?? '/'}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        forward.end(body);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      proxyEndpoint = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    });
    after(async () => {
      await new Promise((resolve) => proxy?.close(resolve));
    });

    it('signs DetectLabels for the service "lambda" when told to, and the answer still parses', async () => {
      // Prepare: what docs/rekognition.md tells users to do for the deployed Function URL.
      const client = new RekognitionClient({
        endpoint: proxyEndpoint,
        region: LOCAL_S3_REGION,
        credentials: LOCAL_S3_CREDENTIALS,
        maxAttempts: 1,
        signingName: 'lambda',
      } as RekognitionClientConfig);

      // Act
      const output = await client.send(
        new DetectLabelsCommand({ Image: { Bytes: readFileSync(path.join(images, 'parrot.jpg')) } }),
      );
      client.destroy();

      // Assess
      expect(verdicts.at(-1)).to.deep.equal({ scope: `${LOCAL_S3_REGION}/lambda/aws4_request`, valid: true });
      expect(names(output)).to.include.members(['Parrot', 'Bird', 'Animal']);
    });

    it('is told apart from the default signing, which is for "rekognition"', async () => {
      const client = new RekognitionClient({
        endpoint: proxyEndpoint,
        region: LOCAL_S3_REGION,
        credentials: LOCAL_S3_CREDENTIALS,
        maxAttempts: 1,
      });
      await client.send(
        new DetectLabelsCommand({ Image: { Bytes: readFileSync(path.join(images, 'parrot.jpg')) } }),
      );
      client.destroy();
      expect(verdicts.at(-1)).to.deep.equal({
        scope: `${LOCAL_S3_REGION}/rekognition/aws4_request`,
        valid: false,
      });
    });
  });
});
