/**
 * Schemas of Plinth's default error bodies (see `app/errors.ts`): every error is
 * `{ error: { status, code, message, details?, requestId? } }`, and a 422 lists what failed in
 * `details`. Written by hand because they describe the framework's output, not a user schema.
 */
import type { JsonSchema } from '../validation/index.ts'

/** Where a request value failed validation (mirrors `RequestLocation`). */
const LOCATIONS = ['path', 'query', 'header', 'cookie', 'body']

/** The body of every default error response. */
export const ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The default error body.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['status', 'code', 'message'],
      properties: {
        status: { type: 'integer', description: 'The HTTP status, repeated.' },
        code: {
          type: 'string',
          description: 'Stable machine-readable code, e.g. `not_found`.',
        },
        message: { type: 'string', description: 'Human-readable explanation.' },
        details: { description: 'Structured data about the error, when there is any.' },
        requestId: {
          type: 'string',
          description: 'Identifies the request in server logs (5xx answers).',
        },
      },
    },
  },
}

/** The body of a 422 answer to a request that failed validation. */
export const VALIDATION_ERROR_SCHEMA: JsonSchema = {
  type: 'object',
  description: 'The request failed validation; `error.details` lists every problem found.',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['status', 'code', 'message', 'details'],
      properties: {
        status: { type: 'integer', const: 422 },
        code: { type: 'string', const: 'validation_error' },
        message: { type: 'string' },
        details: {
          type: 'array',
          items: {
            type: 'object',
            required: ['location', 'path', 'message', 'code'],
            properties: {
              location: { type: 'string', enum: LOCATIONS },
              path: {
                type: 'array',
                items: { type: ['string', 'integer'] },
                description:
                  'Path to the offending value inside its location, e.g. `["items", 0, "price"]`.',
              },
              message: { type: 'string' },
              code: { type: 'string', description: 'Validator code, e.g. `too_small`.' },
            },
          },
        },
      },
    },
  },
}
