import { ValidationError, ValidationPipe } from '@nestjs/common';
import { ApiError } from './api-error';

function firstProblem(
  errors: ValidationError[],
  parent = '',
): { param: string; message: string } | undefined {
  for (const error of errors) {
    const param = parent ? `${parent}.${error.property}` : error.property;
    const constraints = Object.values(error.constraints ?? {});
    if (constraints.length > 0) {
      return { param, message: constraints[0] };
    }
    const nested = firstProblem(error.children ?? [], param);
    if (nested) return nested;
  }
  return undefined;
}

/**
 * class-validator on every body and query: unknown fields are refused (mass assignment), and the
 * first problem is answered as 400 `parameter_invalid` naming the field in `param`.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => {
      const problem = firstProblem(errors) ?? { param: 'body', message: 'The request is invalid.' };
      const unknownField = /should not exist/.test(problem.message);
      return ApiError.badRequest(
        unknownField
          ? 'parameter_unknown'
          : problem.message.includes('required')
            ? 'parameter_missing'
            : 'parameter_invalid',
        unknownField ? `Unknown field: ${problem.param}.` : problem.message,
        problem.param,
      );
    },
  });
}
