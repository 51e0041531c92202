import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { SuccessResult } from '../../function/lambda/index';

/** What the dev endpoint answers for a GET it serves itself (the page and what the page reads). */
export interface PageResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface DevPageOptions {
  s3: S3Client;
  bucket: string;
  resultsBucket: string;
  resultsPrefix: string;
  /** How many uploads the page lists (newest first). */
  latest?: number;
}

export interface UploadSummary {
  key: string;
  status: string;
  line?: string;
  labels: { name: string; confidence: number; parents: string[]; categories: string[] }[];
  error?: string;
  processedAt?: string;
}

const HTML = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
const JSON_TYPE = { 'content-type': 'application/json', 'cache-control': 'no-store' };
const IMAGE_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  bmp: 'image/bmp',
};

/**
 * The dev server's page: GET / shows it, GET /uploads lists the newest results in the local bucket with
 * their labels, GET /image?key=… serves an upload for the page's thumbnails. Everything else (the POSTs
 * the page sends, in Rekognition's protocol) goes to the function as on AWS.
 */
export function devPage(options: DevPageOptions) {
  const latest = options.latest ?? 12;

  async function uploads(): Promise<UploadSummary[]> {
    const listed = await options.s3.send(
      new ListObjectsV2Command({
        Bucket: options.resultsBucket,
        Prefix: options.resultsPrefix,
        MaxKeys: 1000,
      }),
    );
    const newest = (listed.Contents ?? [])
      .filter((o) => o.Key?.endsWith('.json'))
      .sort((a, b) => (b.LastModified?.getTime() ?? 0) - (a.LastModified?.getTime() ?? 0))
      .slice(0, latest);
    return Promise.all(
      newest.map(async (o) => {
        const object = await options.s3.send(
          new GetObjectCommand({ Bucket: options.resultsBucket, Key: o.Key }),
        );
        const doc = JSON.parse((await object.Body?.transformToString()) ?? '{}') as
          | SuccessResult
          | { status: 'error'; source: { key: string }; error: { message: string }; processedAt: string };
        if (doc.status !== 'ok') {
          return {
            key: doc.source.key,
            status: doc.status,
            labels: [],
            error: doc.error.message,
            processedAt: doc.processedAt,
          };
        }
        return {
          key: doc.source.key,
          status: doc.status,
          line: doc.line,
          processedAt: doc.processedAt,
          labels: (doc.labels ?? []).slice(0, 8).map(({ name, confidence, parents, categories }) => ({
            name,
            confidence,
            parents,
            categories,
          })),
        };
      }),
    );
  }

  async function image(key: string): Promise<PageResponse> {
    const type = IMAGE_TYPES[key.split('.').pop()?.toLowerCase() ?? ''];
    if (!type) return { status: 404, headers: { 'content-type': 'text/plain' }, body: 'not an image key' };
    const object = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    return { status: 200, headers: { 'content-type': type, 'cache-control': 'no-store' }, body: bytes };
  }

  /** The response for a GET the page owns, or undefined to let the function answer. */
  return async (method: string, url: string): Promise<PageResponse | undefined> => {
    if (method !== 'GET') return undefined;
    const { pathname, searchParams } = new URL(url, 'http://dev');
    if (pathname === '/') return { status: 200, headers: HTML, body: PAGE };
    if (pathname === '/uploads') {
      return { status: 200, headers: JSON_TYPE, body: `${JSON.stringify(await uploads(), null, 2)}\n` };
    }
    if (pathname === '/image') {
      const key = searchParams.get('key');
      if (!key) return { status: 400, headers: { 'content-type': 'text/plain' }, body: 'key=… is missing' };
      return image(key);
    }
    return undefined;
  };
}

// One self-contained page, no build step: it speaks Rekognition's DetectLabels to the same origin.
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>LambdaVision labels</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #222; }
  h1 { font-size: 1.4rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
  #drop { display: block; border: 2px dashed #888; border-radius: 8px; padding: 1.5rem; text-align: center; cursor: pointer; }
  #drop.over { background: #eef5ff; border-color: #36c; }
  #result { display: flex; gap: 1.5rem; margin-top: 1rem; flex-wrap: wrap; }
  #preview { max-width: 18rem; max-height: 18rem; border-radius: 6px; }
  #labels { flex: 1; min-width: 20rem; list-style: none; padding: 0; margin: 0; }
  .label { margin-bottom: .5rem; }
  .bar { height: .6rem; background: #e5e5e5; border-radius: 3px; overflow: hidden; }
  .bar span { display: block; height: 100%; background: #36c; }
  .meta { color: #666; font-size: .85rem; }
  .colors { display: flex; gap: .4rem; margin-top: .6rem; flex-wrap: wrap; }
  .swatch { width: 4.2rem; font-size: .7rem; text-align: center; }
  .swatch div { height: 2rem; border-radius: 4px; border: 1px solid #ccc; }
  #error { color: #b00; }
  #uploads { display: grid; grid-template-columns: repeat(auto-fill, minmax(13rem, 1fr)); gap: 1rem; }
  .upload img { width: 100%; height: 9rem; object-fit: cover; border-radius: 6px; background: #eee; }
  .upload ul { padding-left: 1rem; margin: .3rem 0; font-size: .85rem; }
</style>
</head>
<body>
<h1>LambdaVision — labels with parents</h1>
<label id="drop">Drop an image here, or <u>choose one</u>
  <input id="file" type="file" accept="image/*" hidden>
</label>
<p id="error" role="alert"></p>
<div id="result" hidden>
  <img id="preview" alt="the image sent">
  <div style="flex:1">
    <ul id="labels"></ul>
    <div id="quality" class="meta"></div>
    <div id="colors" class="colors"></div>
  </div>
</div>
<h2>Latest uploads to the local bucket</h2>
<div id="uploads"><p class="meta">none yet: upload with <code>aws s3 cp photo.jpg s3://BUCKET/uploads/</code></p></div>
<script>
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const bar = (l) => '<li class="label"><strong>' + esc(l.Name ?? l.name) + '</strong> ' +
  (l.Confidence ?? l.confidence).toFixed(1) + '%' +
  '<div class="bar"><span style="width:' + (l.Confidence ?? l.confidence).toFixed(1) + '%"></span></div>' +
  '<div class="meta">' + esc(((l.Parents ?? l.parents.map((n) => ({ Name: n }))).map((p) => p.Name)).join(' › ') || 'no parents') +
  ' · ' + esc(((l.Categories ?? l.categories.map((n) => ({ Name: n }))).map((c) => c.Name)).join(', ')) + '</div></li>';

async function detect(file) {
  $('error').textContent = '';
  const bytes = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const response = await fetch('/', {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'RekognitionService.DetectLabels' },
    body: JSON.stringify({ Image: { Bytes: btoa(binary) }, MaxLabels: 12, MinConfidence: 10,
      Features: ['GENERAL_LABELS', 'IMAGE_PROPERTIES'], Settings: { ImageProperties: { MaxDominantColors: 6 } } }),
  });
  const answer = await response.json();
  if (!response.ok) { $('error').textContent = answer.__type + ': ' + answer.Message; return; }
  $('preview').src = URL.createObjectURL(file);
  $('labels').innerHTML = answer.Labels.map(bar).join('');
  const q = answer.ImageProperties.Quality;
  $('quality').textContent = 'brightness ' + q.Brightness.toFixed(0) + ' · sharpness ' + q.Sharpness.toFixed(0) +
    ' · contrast ' + q.Contrast.toFixed(0) + ' · ' + answer.LabelModelVersion;
  $('colors').innerHTML = answer.ImageProperties.DominantColors.map((c) =>
    '<div class="swatch"><div style="background:' + c.HexCode + '"></div>' + esc(c.CSSColor) + '<br>' +
    c.PixelPercent.toFixed(0) + '%</div>').join('');
  $('result').hidden = false;
  document.body.dataset.state = 'labelled';
}

async function refreshUploads() {
  const list = await (await fetch('/uploads')).json();
  if (list.length === 0) return;
  $('uploads').innerHTML = list.map((u) => '<div class="upload"><img loading="lazy" alt="' + esc(u.key) +
    '" src="/image?key=' + encodeURIComponent(u.key) + '"><div class="meta">' + esc(u.key) + '</div>' +
    (u.status === 'ok' ? '<ul>' + u.labels.map((l) => '<li>' + esc(l.name) + ' ' + l.confidence.toFixed(0) + '%</li>').join('') + '</ul>'
      : '<div id="error">' + esc(u.error) + '</div>') + '</div>').join('');
}

$('file').addEventListener('change', () => $('file').files[0] && detect($('file').files[0]));
const drop = $('drop');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => { e.preventDefault(); drop.classList.remove('over');
  if (e.dataTransfer.files[0]) detect(e.dataTransfer.files[0]); });
refreshUploads();
setInterval(refreshUploads, 5000);
</script>
</body>
</html>
`;
