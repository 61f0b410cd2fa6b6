// Reads a request body up to a size limit and parses it as JSON, with a typed reason when it cannot.

import type { IncomingMessage } from 'node:http';

export class BodyError extends Error {
  constructor(
    readonly status: 400 | 413 | 415,
    readonly code: 'invalid_json' | 'payload_too_large' | 'unsupported_media_type',
    message: string,
  ) {
    super(message);
    this.name = 'BodyError';
  }
}

export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type !== undefined && !/^application\/(?:[\w.+-]+\+)?json\b/i.test(type)) {
    throw new BodyError(415, 'unsupported_media_type', `the body must be application/json, not ${type}`);
  }
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw new BodyError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new BodyError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new BodyError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`);
  }
}
