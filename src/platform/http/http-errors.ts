// Turns any error into the one JSON error shape {"error": {"code", "message", "details"?}} and a status.

import { z } from 'zod';
import { AppError } from '../errors';

export const ErrorBodySchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: 'Error' });

export interface ErrorReply {
  status: number;
  code: string;
  message: string;
  details?: unknown;
  headers?: Record<string, string>;
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  limit?: number;
}

export function toErrorReply(err: unknown, isUnavailable: (err: unknown) => boolean): ErrorReply {
  if (err instanceof AppError) {
    return { status: err.status, code: err.code, message: err.message, details: err.details, headers: err.headers };
  }
  const bp = (typeof err === 'object' && err !== null ? err : {}) as BodyParserError;
  switch (bp.type) {
    case 'entity.parse.failed':
      return { status: 400, code: 'malformed_json', message: 'The request body is not valid JSON' };
    case 'entity.too.large':
      return {
        status: 413,
        code: 'payload_too_large',
        message: `The request body is larger than the limit of ${bp.limit ?? 'the configured'} bytes`,
      };
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return { status: 415, code: 'unsupported_encoding', message: 'The request body encoding is not supported' };
    case 'request.aborted':
      return { status: 400, code: 'request_aborted', message: 'The request was aborted by the client' };
    default:
      break;
  }
  // The router could not percent-decode a path parameter (e.g. "%ff" or a lone "%"): the client's fault.
  if (err instanceof URIError) {
    return { status: 400, code: 'malformed_path', message: 'The request path is not valid percent-encoded UTF-8' };
  }
  if (typeof bp.status === 'number' && bp.status >= 400 && bp.status < 500 && bp.expose) {
    return { status: bp.status, code: 'bad_request', message: err instanceof Error ? err.message : 'Bad request' };
  }
  if (isUnavailable(err)) {
    return {
      status: 503,
      code: 'service_unavailable',
      message: 'A backing service is unavailable; try again shortly',
      headers: { 'Retry-After': '5' },
    };
  }
  return { status: 500, code: 'internal_error', message: 'An unexpected error occurred' };
}
