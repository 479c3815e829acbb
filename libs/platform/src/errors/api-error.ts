import { HttpStatus } from '@nestjs/common';

/** The error types of API.md, one per HTTP status family. */
export type ApiErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'conflict_error'
  | 'idempotency_error'
  | 'rate_limit_error'
  | 'unavailable_error'
  | 'api_error';

const TYPE_BY_STATUS: Record<number, ApiErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  405: 'invalid_request_error',
  409: 'conflict_error',
  413: 'invalid_request_error',
  415: 'invalid_request_error',
  422: 'idempotency_error',
  429: 'rate_limit_error',
  503: 'unavailable_error',
};

export function errorTypeFor(status: number): ApiErrorType {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/**
 * An error that answers with API.md's shape:
 * `{"error": {"type", "code", "message", "param"}}`. Domain libs throw their own typed errors;
 * the exception filter maps both to this shape.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly param?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  static badRequest(code: string, message: string, param?: string): ApiError {
    return new ApiError(HttpStatus.BAD_REQUEST, code, message, param);
  }
  static unauthenticated(message = 'A valid bearer token is required.'): ApiError {
    return new ApiError(HttpStatus.UNAUTHORIZED, 'unauthenticated', message);
  }
  static forbidden(message = 'This role may not use this route.'): ApiError {
    return new ApiError(HttpStatus.FORBIDDEN, 'forbidden', message);
  }
  static notFound(what = 'resource', param?: string): ApiError {
    return new ApiError(HttpStatus.NOT_FOUND, 'resource_missing', `No such ${what}.`, param);
  }
  static conflict(code: string, message: string): ApiError {
    return new ApiError(HttpStatus.CONFLICT, code, message);
  }
}

/**
 * A typed domain error. Domain libs extend it with their own codes; the exception filter maps
 * it to HTTP using `status`, so no lib imports HTTP machinery beyond this.
 */
export class DomainError extends ApiError {}

/** Thrown to answer an idempotent replay: the filter sends the stored status and body as they were. */
export class IdempotentReplay extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super('idempotent replay');
  }
}
