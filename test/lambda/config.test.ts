import { expect } from 'chai';
import { DEFAULT_LIMITS } from '../../function/classifier';
import { CONFIG_VARIABLES, ConfigError, loadConfig } from '../../function/lambda/config';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('lambda config', () => {
  it('uses the documented defaults when nothing is set', () => {
    // Act
    const config = loadConfig({});

    // Assess
    expect(config).to.deep.equal({
      modelDir: '/opt/model',
      backend: 'auto',
      decoder: 'auto',
      topK: 5,
      minConfidence: 0,
      resultsBucket: undefined,
      resultsPrefix: 'results/',
      uploadPrefix: 'uploads/',
      onDemandPrefixes: ['uploads/'],
      maxObjectBytes: DEFAULT_LIMITS.maxBytes,
      maxPixels: DEFAULT_LIMITS.maxPixels,
      logLevel: 'INFO',
      serviceName: 'lambdavision',
      metricsNamespace: 'LambdaVision',
      warmUp: true,
    });
  });

  it('reads every variable, trimming and converting, case-insensitive for enums', () => {
    // Prepare
    const env = {
      MODEL_DIR: ' /mnt/model ',
      BACKEND: 'WASM',
      DECODER: 'Sharp',
      TOP_K: '3',
      MIN_CONFIDENCE: '0.25',
      RESULTS_BUCKET: 'my-results.bucket',
      RESULTS_PREFIX: 'out/',
      UPLOAD_PREFIX: 'in/',
      ON_DEMAND_PREFIXES: ' in/public/, results/ ',
      MAX_OBJECT_BYTES: '1048576',
      MAX_PIXELS: '1000000',
      LOG_LEVEL: 'debug',
      POWERTOOLS_SERVICE_NAME: 'svc',
      POWERTOOLS_METRICS_NAMESPACE: 'Ns',
    };

    // Act
    const config = loadConfig(env);

    // Assess
    expect(config).to.deep.equal({
      modelDir: '/mnt/model',
      backend: 'wasm',
      decoder: 'sharp',
      topK: 3,
      minConfidence: 0.25,
      resultsBucket: 'my-results.bucket',
      resultsPrefix: 'out/',
      uploadPrefix: 'in/',
      onDemandPrefixes: ['in/public/', 'results/'],
      maxObjectBytes: 1048576,
      maxPixels: 1000000,
      logLevel: 'DEBUG',
      serviceName: 'svc',
      metricsNamespace: 'Ns',
      warmUp: true,
    });
    expect(Object.keys(env)).to.have.members([...CONFIG_VARIABLES]);
  });

  it("warms the model up at init except in an on-demand init, as Lambda's AWS_LAMBDA_INITIALIZATION_TYPE says", () => {
    const warmUp = (type: string | undefined) => loadConfig({ AWS_LAMBDA_INITIALIZATION_TYPE: type }).warmUp;
    // The request that started the container waits for an on-demand init.
    expect(warmUp('on-demand')).to.equal(false);
    // Ahead of traffic, and outside Lambda.
    expect(warmUp('provisioned-concurrency')).to.equal(true);
    expect(warmUp(undefined)).to.equal(true);
  });

  it('reads on demand under the upload prefix unless ON_DEMAND_PREFIXES names others', () => {
    expect(loadConfig({ UPLOAD_PREFIX: 'in/' }).onDemandPrefixes).to.deep.equal(['in/']);
    expect(loadConfig({ UPLOAD_PREFIX: 'in/', ON_DEMAND_PREFIXES: ' ' }).onDemandPrefixes).to.deep.equal([
      'in/',
    ]);
    expect(configError({ ON_DEMAND_PREFIXES: 'in/,' }).message).to.match(
      /ON_DEMAND_PREFIXES must not contain an empty prefix/,
    );
    expect(configError({ ON_DEMAND_PREFIXES: 'in/*' }).message).to.match(
      /ON_DEMAND_PREFIXES must not contain \* or \?/,
    );
  });

  it('treats blank values as unset', () => {
    const config = loadConfig({ TOP_K: '  ', BACKEND: '', MIN_CONFIDENCE: '' });
    expect(config).to.include({ topK: 5, backend: 'auto', minConfidence: 0 });
  });

  const bad: Array<[string, string, RegExp]> = [
    ['TOP_K', '0', /TOP_K must be a whole number from 1 to 100 \(got "0"\)/],
    ['TOP_K', '101', /TOP_K must be a whole number from 1 to 100/],
    ['TOP_K', '2.5', /TOP_K must be a whole number/],
    ['TOP_K', 'five', /TOP_K must be a whole number/],
    ['MIN_CONFIDENCE', '1.5', /MIN_CONFIDENCE must be a number from 0 to 1 \(got "1.5"\)/],
    ['MIN_CONFIDENCE', '-0.1', /MIN_CONFIDENCE must be a number from 0 to 1/],
    ['BACKEND', 'gpu', /BACKEND must be one of auto, tensorflow, wasm, cpu \(got "gpu"\)/],
    ['DECODER', 'vips', /DECODER must be one of auto, jimp, sharp \(got "vips"\)/],
    ['MAX_OBJECT_BYTES', '0', /MAX_OBJECT_BYTES must be a positive whole number/],
    ['MAX_PIXELS', 'lots', /MAX_PIXELS must be a positive whole number/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL must be one of TRACE, DEBUG, INFO/],
    ['RESULTS_BUCKET', 'Not_A_Bucket', /RESULTS_BUCKET must be an S3 bucket name/],
  ];
  for (const [name, value, message] of bad) {
    it(`fails naming ${name} when it is ${JSON.stringify(value)}`, () => {
      const error = configError({ [name]: value });
      expect(error.message).to.match(message);
      expect(error.variables).to.deep.equal([name]);
    });
  }

  it('reports every bad variable at once', () => {
    const error = configError({ TOP_K: '0', BACKEND: 'gpu' });
    expect(error.variables).to.have.members(['TOP_K', 'BACKEND']);
  });

  it('fails with the stable code INVALID_CONFIG', () => {
    expect(configError({ TOP_K: '0' }).code).to.equal('INVALID_CONFIG');
  });

  it('refuses an empty RESULTS_PREFIX while results go to the source bucket, which would loop', () => {
    const error = configError({ RESULTS_PREFIX: '' });
    expect(error.variables).to.deep.equal(['RESULTS_PREFIX']);
    expect(error.message).to.match(/must not be empty while results go to the source bucket/);
  });

  it('refuses a RESULTS_PREFIX that starts UPLOAD_PREFIX, which would ignore every upload', () => {
    const error = configError({ RESULTS_PREFIX: 'up', UPLOAD_PREFIX: 'uploads/' });
    expect(error.message).to.match(/RESULTS_PREFIX must not be the start of UPLOAD_PREFIX "uploads\/"/);
  });

  it('allows an empty RESULTS_PREFIX when results go to their own bucket', () => {
    const config = loadConfig({ RESULTS_BUCKET: 'results-bucket', RESULTS_PREFIX: '' });
    expect(config).to.include({ resultsBucket: 'results-bucket', resultsPrefix: '' });
  });

  it('allows an empty UPLOAD_PREFIX (every key but the results)', () => {
    expect(loadConfig({ UPLOAD_PREFIX: '' }).uploadPrefix).to.equal('');
  });
});
