import { expect } from 'chai';
import { ErrorCode } from '../../function/classifier';
import { eventKindOf } from '../../function/lambda/index';
import type { FunctionUrlRequest } from '../../function/lambda/on-demand-request';
import {
  DETECT_LABELS_TARGET,
  detectLabelsResponse,
  MAX_IMAGE_BYTES,
  parseDetectLabelsRequest,
  RekognitionError,
  rekognitionErrorFor,
  rekognitionErrorResponse,
} from '../../function/lambda/rekognition-protocol';

function request(body: unknown, headers: Record<string, string> = {}): FunctionUrlRequest {
  return {
    method: 'POST',
    path: '/',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': DETECT_LABELS_TARGET,
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const refusal = (body: unknown, headers?: Record<string, string>): RekognitionError => {
  try {
    parseDetectLabelsRequest(request(body, headers));
  } catch (error) {
    if (error instanceof RekognitionError) return error;
    throw error;
  }
  throw new Error('expected a RekognitionError');
};

const PNG_BASE64 = Buffer.from([0x89, 0x50, 0x4e, 0x47]).toString('base64');

describe('the Rekognition DetectLabels protocol', () => {
  it('is the event source of a Function URL request with a RekognitionService X-Amz-Target', () => {
    const event = (headers: Record<string, string>) => ({
      version: '2.0',
      rawPath: '/',
      headers,
      requestContext: { http: { method: 'POST', path: '/' } },
    });
    expect(eventKindOf(event({ 'x-amz-target': DETECT_LABELS_TARGET }))).to.equal('rekognition');
    expect(eventKindOf(event({ 'x-amz-target': 'RekognitionService.DetectFaces' }))).to.equal('rekognition');
    expect(eventKindOf(event({ 'content-type': 'image/jpeg' }))).to.equal('function-url');
  });

  it('reads image bytes, limits, features, filters and colour count', () => {
    const parsed = parseDetectLabelsRequest(
      request({
        Image: { Bytes: PNG_BASE64 },
        MaxLabels: 5,
        MinConfidence: 70,
        Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'],
        Settings: {
          GeneralLabels: {
            LabelInclusionFilters: ['Dog'],
            LabelCategoryExclusionFilters: ['Food and Beverage'],
          },
          ImageProperties: { MaxDominantColors: 3 },
        },
      }),
    );
    expect(parsed.image).to.deep.equal({ kind: 'bytes', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47]) });
    expect([...parsed.features]).to.deep.equal(['GENERAL_LABELS', 'IMAGE_PROPERTIES']);
    expect(parsed.labels).to.deep.equal({
      maxLabels: 5,
      minConfidence: 70,
      includeLabels: ['Dog'],
      excludeCategories: ['Food and Beverage'],
    });
    expect(parsed.maxDominantColors).to.equal(3);
  });

  it('reads an S3 object with its version, and defaults to general labels only', () => {
    const parsed = parseDetectLabelsRequest(
      request({ Image: { S3Object: { Bucket: 'photos', Name: 'a/b c.jpg', Version: 'v1' } } }),
    );
    expect(parsed.image).to.deep.equal({ kind: 's3', bucket: 'photos', key: 'a/b c.jpg', versionId: 'v1' });
    expect([...parsed.features]).to.deep.equal(['GENERAL_LABELS']);
    expect(parsed.labels).to.deep.equal({});
  });

  it('answers bad requests with InvalidParameterException', () => {
    for (const body of [
      'not json',
      {},
      { Image: {} },
      { Image: { Bytes: PNG_BASE64, S3Object: { Bucket: 'photos', Name: 'a.jpg' } } },
      { Image: { Bytes: PNG_BASE64 }, MinConfidence: 101 },
      { Image: { Bytes: PNG_BASE64 }, MaxLabels: -1 },
      { Image: { Bytes: PNG_BASE64 }, Features: ['FACES'] },
      { Image: { Bytes: PNG_BASE64 }, Settings: { ImageProperties: { MaxDominantColors: 13 } } },
      { Image: { Bytes: PNG_BASE64 }, Unknown: 1 },
    ]) {
      const error = refusal(body);
      expect(error.type, JSON.stringify(body)).to.equal('InvalidParameterException');
      expect(error.status).to.equal(400);
    }
    expect(
      refusal({ Image: { Bytes: PNG_BASE64 } }, { 'x-amz-target': 'RekognitionService.DetectFaces' }).message,
    ).to.match(/only RekognitionService.DetectLabels/);
  });

  it('answers bytes that are not base64 with InvalidImageFormatException, too many with ImageTooLargeException', () => {
    expect(refusal({ Image: { Bytes: '%%%' } }).type).to.equal('InvalidImageFormatException');
    const big = Buffer.alloc(MAX_IMAGE_BYTES + 1).toString('base64');
    expect(refusal({ Image: { Bytes: big } }).type).to.equal('ImageTooLargeException');
  });

  it("maps the project's failure codes to Rekognition's error types", () => {
    const typeOf = (code: ErrorCode) => rekognitionErrorFor(code, 'why').type;
    expect(typeOf(ErrorCode.UNSUPPORTED_FORMAT)).to.equal('InvalidImageFormatException');
    expect(typeOf(ErrorCode.CORRUPT_IMAGE)).to.equal('InvalidImageFormatException');
    expect(typeOf(ErrorCode.IMAGE_TOO_LARGE)).to.equal('ImageTooLargeException');
    expect(typeOf(ErrorCode.OBJECT_TOO_LARGE)).to.equal('ImageTooLargeException');
    expect(typeOf(ErrorCode.OBJECT_NOT_FOUND)).to.equal('InvalidS3ObjectException');
    expect(typeOf(ErrorCode.ACCESS_DENIED)).to.equal('AccessDeniedException');
    expect(typeOf(ErrorCode.S3_THROTTLED)).to.equal('ThrottlingException');
    expect(typeOf(ErrorCode.UNEXPECTED)).to.equal('InternalServerError');
    expect(rekognitionErrorFor(ErrorCode.UNEXPECTED, 'why').status).to.equal(500);
  });

  it('sends an error as Rekognition does: __type, Message, x-amzn-errortype', () => {
    const response = rekognitionErrorResponse(
      rekognitionErrorFor(ErrorCode.CORRUPT_IMAGE, 'truncated'),
      'req-1',
    );
    expect(response.statusCode).to.equal(400);
    expect(response.headers).to.deep.include({
      'content-type': 'application/x-amz-json-1.1',
      'x-amzn-requestid': 'req-1',
      'x-amzn-errortype': 'InvalidImageFormatException',
    });
    expect(JSON.parse(response.body)).to.deep.equal({
      __type: 'InvalidImageFormatException',
      Message: 'truncated',
    });
  });

  it("shapes the answer as Rekognition's, image properties only when computed", () => {
    const label = {
      name: 'Dog',
      confidence: 90,
      parents: ['Mammal'],
      aliases: ['Domestic Dog'],
      categories: ['Animals and Pets'],
    };
    expect(
      detectLabelsResponse({ labels: [label], properties: undefined, model: 'lambdavision/m' }),
    ).to.deep.equal({
      Labels: [
        {
          Name: 'Dog',
          Confidence: 90,
          Instances: [],
          Parents: [{ Name: 'Mammal' }],
          Aliases: [{ Name: 'Domestic Dog' }],
          Categories: [{ Name: 'Animals and Pets' }],
        },
      ],
      LabelModelVersion: 'lambdavision/m',
    });
    const properties = {
      quality: { brightness: 50, sharpness: 80, contrast: 30 },
      dominantColors: [
        {
          red: 255,
          green: 0,
          blue: 0,
          hex: '#ff0000',
          cssColor: 'red',
          simplifiedColor: 'red',
          pixelPercent: 100,
        },
      ],
    };
    expect(detectLabelsResponse({ labels: undefined, properties, model: 'm' })).to.deep.equal({
      Labels: [],
      LabelModelVersion: 'm',
      ImageProperties: {
        Quality: { Brightness: 50, Sharpness: 80, Contrast: 30 },
        DominantColors: [
          {
            Red: 255,
            Green: 0,
            Blue: 0,
            HexCode: '#ff0000',
            CSSColor: 'red',
            SimplifiedColor: 'red',
            PixelPercent: 100,
          },
        ],
      },
    });
  });
});
