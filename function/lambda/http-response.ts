/** What a Function URL (buffered) turns into the HTTP response. */
export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

const JSON_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' } as const;

/** A JSON response, pretty-printed with a final newline (curl users read it). */
export function respond(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): FunctionUrlResponse {
  return {
    statusCode,
    headers: { ...JSON_HEADERS, ...headers },
    body: `${JSON.stringify(body, null, 2)}\n`,
    isBase64Encoded: false,
  };
}
