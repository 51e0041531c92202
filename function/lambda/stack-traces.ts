import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import path from 'node:path';

/**
 * Stack traces that name the TypeScript sources, read from the bundle's source map when the first stack
 * is formatted. Node's --enable-source-maps does the same but also reads and parses the map while the
 * bundle loads, at every cold start (about 0.1 s of init, bench/REPORT.md), although most containers never
 * print a stack. Node has no switch to defer it, so this installs Error.prepareStackTrace: each frame is
 * V8's own text (CallSite#toString), with the bundle's line and column replaced by the source's, as Node's
 * flag gives. The first stack a container formats pays for decoding the map's mappings (about 0.5 s and
 * 55 MB of heap here for the 2 MB map, as the flag's first stack does too); later ones are lookups. A map
 * that cannot be read, or any failure while mapping, leaves the bundle's positions: formatting a stack
 * never throws. Does nothing when the bundle has no map (or is not a bundle).
 */
export function mapStackTracesLazily(bundleFile: string): void {
  const mapFile = `${bundleFile}.map`;
  if (!existsSync(mapFile)) return;
  let map: SourceMap | null | undefined;
  const sourceMap = (): SourceMap | null => {
    if (map === undefined) {
      try {
        map = new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')));
      } catch {
        map = null; // an unreadable map leaves stacks as the bundle's positions, as without one
      }
    }
    return map;
  };
  const frameText = (frame: NodeJS.CallSite): string => {
    const text = frame.toString();
    try {
      const line = frame.getLineNumber();
      const column = frame.getColumnNumber();
      if (frame.getFileName() !== bundleFile || !line || !column) return text;
      const origin = sourceMap()?.findOrigin(line, column);
      if (!origin || !('fileName' in origin)) return text;
      // The map's sources are relative to the map's folder, as Node resolves them.
      const source = path.resolve(path.dirname(mapFile), origin.fileName);
      return text.replace(
        `${bundleFile}:${line}:${column}`,
        () => `${source}:${origin.lineNumber}:${origin.columnNumber}`,
      );
    } catch {
      return text;
    }
  };
  Error.prepareStackTrace = (error, frames) => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = 'Error';
    }
    const lines = frames.map((frame) => {
      try {
        return `    at ${frameText(frame)}`;
      } catch {
        return '    at <unknown>';
      }
    });
    return [header, ...lines].join('\n');
  };
}
