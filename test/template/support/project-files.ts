import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CollectionTag, parse, type ScalarTag, type YAMLMap, type YAMLSeq } from 'yaml';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const LAYER_DIR = path.join(PROJECT_ROOT, 'layer');

/** CloudFormation's short-form intrinsics, read into their long form ({ "Fn::Sub": ... }). */
const INTRINSICS: Record<string, string> = {
  Ref: 'Ref',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  If: 'Fn::If',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  Join: 'Fn::Join',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  Contains: 'Fn::Contains',
  Condition: 'Condition',
};

const cfnTags = Object.entries(INTRINSICS).flatMap(([name, fn]): (ScalarTag | CollectionTag)[] => [
  { tag: `!${name}`, resolve: (value: string) => ({ [fn]: fn === 'Fn::GetAtt' ? value.split('.') : value }) },
  {
    tag: `!${name}`,
    collection: 'seq',
    resolve: (seq) => ({ [fn]: (seq as YAMLSeq).toJSON() }) as never,
  } as CollectionTag,
  {
    tag: `!${name}`,
    collection: 'map',
    resolve: (map) => ({ [fn]: (map as YAMLMap).toJSON() }) as never,
  } as CollectionTag,
]);

// biome-ignore lint/suspicious/noExplicitAny: a CloudFormation template is untyped JSON; tests walk it freely.
export type Json = any;

export function loadTemplate(file = path.join(PROJECT_ROOT, 'template.yaml')): Json {
  return parse(readFileSync(file, 'utf8'), { customTags: cfnTags });
}

/** `build-<LogicalId>` targets of a Makefile. */
export function makefileTargets(file = path.join(LAYER_DIR, 'Makefile')): string[] {
  return [...readFileSync(file, 'utf8').matchAll(/^build-([A-Za-z0-9]+):/gm)].map((m) => m[1] as string);
}

/**
 * samconfig.toml as { "default.build.parameters": { key: value } }: enough TOML for this file (tables,
 * strings, booleans, numbers, arrays of strings), so the test needs no TOML library.
 */
export function loadSamConfig(
  file = path.join(PROJECT_ROOT, 'samconfig.toml'),
): Record<string, Record<string, unknown>> {
  const tables: Record<string, Record<string, unknown>> = { '': {} };
  let current = tables[''] as Record<string, unknown>;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const table = /^\[([^\]]+)\]$/.exec(line);
    if (table) {
      current = {};
      tables[table[1] as string] = current;
      continue;
    }
    const pair = /^([A-Za-z0-9_]+)\s*=\s*(.+)$/.exec(line);
    if (!pair) throw new Error(`samconfig.toml: cannot read "${line}"`);
    current[pair[1] as string] = JSON.parse(pair[2] as string);
  }
  return tables;
}
