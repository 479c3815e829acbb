import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { redactSessionIds } from '../logging/logging';
import { ApiError, errorTypeFor, IdempotentReplay } from './api-error';

interface ErrorBody {
  error: { type: string; code: string; message: string; param?: string };
}

/** Fastify's own errors (body too large, bad JSON, wrong content type) carry a `statusCode`. */
function fastifyStatus(exception: unknown): number | undefined {
  const status = (exception as { statusCode?: unknown })?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : undefined;
}

/**
 * A lib's error for an invalid request parameter, from a lib that imports nothing of the project
 * (libs/money's MoneyError) and so cannot extend ApiError: an Error with API.md's code
 * `parameter_invalid` and the field in `param`. It answers 400 like the ApiError it stands for.
 */
export interface InvalidParameter extends Error {
  readonly code: 'parameter_invalid';
  readonly param: string;
}

// By shape rather than a mapping each app registers: both callers of toErrorBody (this filter, idempotency's stored answers) then answer it alike, with no wiring to forget.
export function isInvalidParameter(exception: unknown): exception is InvalidParameter {
  const { code, param } = (exception ?? {}) as { code?: unknown; param?: unknown };
  return exception instanceof Error && code === 'parameter_invalid' && typeof param === 'string';
}

const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'body_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
};

const HTTP_CODES: Record<number, string> = {
  400: 'invalid_request',
  404: 'route_not_found',
  405: 'method_not_allowed',
  413: 'body_too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

export function toErrorBody(exception: unknown): {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
} {
  if (isInvalidParameter(exception) && !(exception instanceof ApiError)) {
    return toErrorBody(ApiError.badRequest(exception.code, exception.message, exception.param));
  }
  if (exception instanceof ApiError) {
    return {
      status: exception.status,
      headers: exception.headers,
      body: {
        error: {
          type: errorTypeFor(exception.status),
          code: exception.code,
          message: exception.message,
          ...(exception.param ? { param: exception.param } : {}),
        },
      },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = HTTP_CODES[status] ?? 'http_error';
    const message = status === 404 ? 'No such route.' : exception.message;
    return { status, headers: {}, body: { error: { type: errorTypeFor(status), code, message } } };
  }
  const status = fastifyStatus(exception);
  if (status !== undefined && status < 500) {
    const fastifyCode = String((exception as { code?: unknown }).code ?? '');
    const code =
      FASTIFY_CODES[fastifyCode] ?? (exception instanceof SyntaxError ? 'invalid_json' : 'invalid_request');
    const message = exception instanceof Error ? exception.message : 'The request could not be read.';
    return { status, headers: {}, body: { error: { type: errorTypeFor(status), code, message } } };
  }
  return {
    status: 500,
    headers: {},
    body: {
      error: { type: 'api_error', code: 'internal_error', message: 'Something went wrong on our side.' },
    },
  };
}

/** One error shape for every error the HTTP layer can produce. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('HTTP');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const request = host.switchToHttp().getRequest<FastifyRequest>();
    if (exception instanceof IdempotentReplay) {
      void reply.status(exception.status).header('idempotent-replayed', 'true').send(exception.body);
      return;
    }
    const { status, body, headers } = toErrorBody(exception);
    if (status >= 500) {
      this.logger.error({ err: exception, url: redactSessionIds(request.url) }, 'unhandled error');
    }
    void reply.status(status).headers(headers).send(body);
  }
}
