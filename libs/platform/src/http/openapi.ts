import { applyDecorators, Type } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { ApiErrorType } from '../errors/api-error';

/*
 * The OpenAPI side of API.md's conventions, declared once: the one error shape, the error
 * responses of a route, the Idempotency-Key header of a POST with a principal, and list answers.
 * Controllers compose these instead of repeating @ApiResponse lines.
 */

const ERROR_TYPES: ApiErrorType[] = [
  'invalid_request_error',
  'authentication_error',
  'permission_error',
  'not_found_error',
  'conflict_error',
  'idempotency_error',
  'rate_limit_error',
  'unavailable_error',
  'api_error',
];

export class ErrorObject {
  @ApiProperty({ enum: ERROR_TYPES, example: 'invalid_request_error', description: 'one per status family' })
  type!: ApiErrorType;

  @ApiProperty({
    example: 'parameter_invalid',
    description: "machine-readable reason; each route's responses list the codes it can answer",
  })
  code!: string;

  @ApiProperty({ example: 'amount must be an integer number of minor units' })
  message!: string;

  @ApiPropertyOptional({
    example: 'amount',
    description: 'the field, query parameter or header at fault, when there is one',
  })
  param?: string;
}

/** Every error answer of the api: `{"error": {"type", "code", "message", "param"}}`. */
export class ErrorResponse {
  @ApiProperty({ type: ErrorObject })
  error!: ErrorObject;
}

/** A status, optionally with the `code`s a route answers with it. */
export type ErrorSpec = number | { status: number; codes: string[] };

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid request',
  401: 'No valid bearer credential (`unauthenticated`)',
  403: 'The caller’s role may never use this route (`forbidden`)',
  404: 'No such object, or not the caller’s (`resource_missing`)',
  409: 'The object’s state does not allow this',
  413: 'Body larger than 100 KiB (`body_too_large`)',
  415: 'Body neither JSON nor a form (`unsupported_media_type`)',
  422: 'This Idempotency-Key was used with another request (`idempotency_mismatch`)',
  429: 'Rate limited',
  503: 'Unavailable',
};

/**
 * The error responses of a route, each with the ErrorResponse schema. Specs of one status are
 * merged (their codes listed together), so shared sets and a route's own codes can be combined.
 */
export function ApiErrorResponses(...specs: ErrorSpec[]): MethodDecorator & ClassDecorator {
  const codes = new Map<number, string[]>();
  for (const spec of specs) {
    const status = typeof spec === 'number' ? spec : spec.status;
    const known = codes.get(status) ?? [];
    for (const code of typeof spec === 'number' ? [] : spec.codes)
      if (!known.includes(code)) known.push(code);
    codes.set(status, known);
  }
  return applyDecorators(
    ApiExtraModels(ErrorResponse),
    ...[...codes.entries()]
      .sort(([a], [b]) => a - b)
      .map(([status, list]) =>
        ApiResponse({
          status,
          description:
            list.length > 0
              ? `${STATUS_TEXT[status] ?? 'Error'}. Codes: ${list.map((code) => `\`${code}\``).join(', ')}.`
              : (STATUS_TEXT[status] ?? 'Error'),
          type: ErrorResponse,
        }),
      ),
  );
}

/** What class-validator answers for a bad body or query (the first problem, naming it in `param`). */
export const VALIDATION_ERRORS: ErrorSpec = {
  status: 400,
  codes: ['parameter_invalid', 'parameter_missing', 'parameter_unknown'],
};

/** What every route with a principal can answer before it runs. */
export const AUTH_ERRORS: ErrorSpec[] = [401, 403];

/** What the idempotency layer answers on a POST with a principal. */
export const IDEMPOTENCY_ERRORS: ErrorSpec[] = [
  { status: 400, codes: ['idempotency_key_invalid'] },
  { status: 409, codes: ['idempotency_in_progress'] },
  { status: 422, codes: ['idempotency_mismatch'] },
];

/** What Fastify answers for a body it cannot read. */
export const BODY_ERRORS: ErrorSpec[] = [{ status: 400, codes: ['invalid_json', 'body_too_deep'] }, 413, 415];

/** The `Idempotency-Key` request header (API.md, Conventions). */
export function ApiIdempotencyKey(): MethodDecorator & ClassDecorator {
  return ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description:
      'Scoped to the caller. The same key with the same body replays the first answer (header ' +
      '`Idempotent-Replayed: true`); with another body or path it answers 422 `idempotency_mismatch`; ' +
      'while the first still runs, 409 `idempotency_in_progress`. 2xx and 409 answers are kept 24 h; ' +
      'refused (4xx) and failed (5xx) requests are not, so a corrected retry runs. Empty counts as absent.',
    schema: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$' },
  });
}

/** A GET of an authenticated principal: 401 and 403, plus the route's own errors. */
export function ApiPrincipalGet(...specs: ErrorSpec[]): MethodDecorator & ClassDecorator {
  return ApiErrorResponses(...AUTH_ERRORS, ...specs);
}

/**
 * A POST of an authenticated principal: the Idempotency-Key header, the errors of auth,
 * idempotency and body parsing, plus the route's own errors.
 */
export function ApiPrincipalPost(...specs: ErrorSpec[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiIdempotencyKey(),
    ApiErrorResponses(...AUTH_ERRORS, ...IDEMPOTENCY_ERRORS, ...BODY_ERRORS, ...specs),
  );
}

/** The answer of a list route: `{object: "list", data: [item], has_more}`. */
export function ApiListResponse(item: Type<unknown>, description = 'A page, newest first'): MethodDecorator {
  return applyDecorators(
    ApiExtraModels(item),
    ApiOkResponse({
      description,
      schema: {
        type: 'object',
        required: ['object', 'data', 'has_more'],
        properties: {
          object: { type: 'string', enum: ['list'] },
          data: { type: 'array', items: { $ref: getSchemaPath(item) } },
          has_more: {
            type: 'boolean',
            description: 'more after the last item: ask again with `starting_after=<its id>`',
          },
        },
      },
    }),
  );
}
