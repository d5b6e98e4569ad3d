/**
 * OpenAPI pieces for token auth: security schemes to declare in `openapi({ securitySchemes })`,
 * and pass-through schemas that only document the token endpoint (its errors follow RFC 6749,
 * so the handler checks the form itself instead of answering 422).
 */
import { PlinthError } from '../../http/index.ts'
import type { JsonSchema, StandardJSONSchemaV1, StandardSchemaV1 } from '../../validation/index.ts'
import { checkScopes } from './scopes.ts'

/** An OAuth2 password-flow security scheme (the shape `plinth/openapi` expects). */
export interface OAuth2PasswordScheme {
  type: 'oauth2'
  description?: string
  flows: { password: { tokenUrl: string; refreshUrl?: string; scopes: Record<string, string> } }
}

/** An API-key-in-a-header security scheme. */
export interface ApiKeyHeaderScheme {
  type: 'apiKey'
  in: 'header'
  name: string
  description?: string
}

/** Options of {@link oauth2PasswordScheme}. */
export interface OAuth2PasswordSchemeOptions {
  /** Where `tokenRoutes()` is mounted plus `/token`, e.g. `'/auth/token'`. */
  tokenUrl: string
  /** Default: the `tokenUrl` (the same endpoint takes `grant_type=refresh_token`). */
  refreshUrl?: string
  /** Scope names and descriptions offered in the "Authorize" dialog. */
  scopes?: Record<string, string>
  description?: string
}

/**
 * The OAuth2 password-flow scheme (FastAPI's `OAuth2PasswordBearer`): declare it as `oauth2` and
 * Swagger UI shows an "Authorize" button that logs in through `tokenRoutes()` and sends the
 * access token with "Try it out" on every route guarded by `requireScopes(...)`.
 *
 * @example
 * app.register(openapi({
 *   title: 'Shop API', version: '1.0.0',
 *   securitySchemes: { oauth2: oauth2PasswordScheme({ tokenUrl: '/auth/token', scopes: { 'items:read': 'Read items' } }) },
 * }))
 */
export function oauth2PasswordScheme(options: OAuth2PasswordSchemeOptions): OAuth2PasswordScheme {
  if (typeof options?.tokenUrl !== 'string' || options.tokenUrl === '') {
    throw new PlinthError(
      'PLINTH_AUTH_TOKENS_CONFIG',
      "oauth2PasswordScheme({ tokenUrl }) is required, e.g. tokenUrl: '/auth/token'.",
    )
  }
  const scopes = options.scopes ?? {}
  checkScopes(Object.keys(scopes), 'oauth2PasswordScheme({ scopes })')
  return {
    type: 'oauth2',
    ...(options.description === undefined ? {} : { description: options.description }),
    flows: {
      password: {
        tokenUrl: options.tokenUrl,
        refreshUrl: options.refreshUrl ?? options.tokenUrl,
        scopes: { ...scopes },
      },
    },
  }
}

/**
 * The scheme of `apiKeyAuthenticator()`: a key in the `X-API-Key` header (or `header`).
 *
 * @example
 * securitySchemes: { apiKey: apiKeyScheme() }
 */
export function apiKeyScheme(
  options: { header?: string; description?: string } = {},
): ApiKeyHeaderScheme {
  return {
    type: 'apiKey',
    in: 'header',
    name: options.header ?? 'X-API-Key',
    ...(options.description === undefined ? {} : { description: options.description }),
  }
}

/** A schema that accepts any value and only carries JSON Schema for the docs. */
export function documentOnly<T>(
  schema: JsonSchema,
): StandardSchemaV1<T, T> & StandardJSONSchemaV1<T, T> {
  return {
    '~standard': {
      version: 1,
      vendor: 'plinth',
      validate: (value: unknown) => ({ value: value as T }),
      jsonSchema: { input: () => schema, output: () => schema },
    },
  }
}

const string = (description: string) => ({ type: 'string', description })

/** The token endpoint's form (RFC 6749 §4.3.2 and §6). */
export const TOKEN_REQUEST = documentOnly<Record<string, unknown>>({
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['password', 'refresh_token'] },
    username: string('For grant_type=password.'),
    password: { ...string('For grant_type=password.'), format: 'password' },
    refresh_token: string('For grant_type=refresh_token.'),
    scope: string('Space-separated scopes; on refresh, a subset of the granted ones.'),
    client_id: string('Ignored: public clients do not authenticate.'),
    client_secret: string('Ignored.'),
  },
})

/** The token endpoint's success answer (RFC 6749 §5.1). */
export const TOKEN_RESPONSE = documentOnly<Record<string, unknown>>({
  type: 'object',
  required: ['access_token', 'token_type', 'expires_in', 'refresh_token', 'scope'],
  properties: {
    access_token: { type: 'string' },
    token_type: { type: 'string', enum: ['bearer'] },
    expires_in: { type: 'integer', description: 'Seconds until the access token expires.' },
    refresh_token: { type: 'string' },
    scope: { type: 'string' },
  },
})

/** An RFC 6749 §5.2 error, plus Plinth's precise `code`. */
export const OAUTH_ERROR = documentOnly<Record<string, unknown>>({
  type: 'object',
  required: ['error', 'error_description', 'code'],
  properties: {
    error: {
      type: 'string',
      enum: [
        'invalid_request',
        'invalid_grant',
        'invalid_scope',
        'unsupported_grant_type',
        'unsupported_token_type',
      ],
    },
    error_description: { type: 'string' },
    code: {
      type: 'string',
      description: 'What exactly went wrong, e.g. invalid_credentials, refresh_token_reused.',
    },
  },
})

/** The revocation endpoint's form (RFC 7009 §2.1). */
export const REVOKE_REQUEST = documentOnly<Record<string, unknown>>({
  type: 'object',
  required: ['token'],
  properties: {
    token: string('The refresh token to revoke (its whole login is revoked).'),
    token_type_hint: { type: 'string', enum: ['refresh_token', 'access_token'] },
  },
})
