/**
 * Turning Standard Schema issues into Plinth's validation error entries
 * (`{ location, path, message, code }`), the shape of every 422 body.
 */
import type { StandardSchemaV1 } from '@standard-schema/spec'

/** One problem found while validating a value. */
export interface ValidationIssue<Location extends string = string> {
  /** Where the value came from, e.g. `query` or `body` for requests, a field name for models. */
  location: Location
  /** Path to the offending value inside that location, e.g. `['items', 0, 'price']`. */
  path: Array<string | number>
  message: string
  /** Validator-provided code when there is one (`invalid_type`, `too_small`, …), else `invalid`. */
  code: string
}

/**
 * Normalise validator issues for one request location.
 *
 * @example
 * toValidationIssues('query', result.issues)
 * // [{ location: 'query', path: ['page'], message: 'Too small: expected number to be >=1', code: 'too_small' }]
 */
export function toValidationIssues<Location extends string>(
  location: Location,
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
): ValidationIssue<Location>[] {
  return issues.map((issue) => ({
    location,
    path: (issue.path ?? []).map((segment) => {
      const key = typeof segment === 'object' && segment !== null ? segment.key : segment
      return typeof key === 'number' ? key : String(key)
    }),
    message: issue.message,
    code:
      typeof (issue as { code?: unknown }).code === 'string'
        ? ((issue as { code?: unknown }).code as string)
        : 'invalid',
  }))
}
