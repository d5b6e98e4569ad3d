/**
 * Checking OpenAPI options when they are given, so a typo fails at startup with a message saying
 * what to change instead of producing a document that tools reject later.
 */
import { PlinthError } from '../http/index.ts'
import type { OpenApiOptions } from './types.ts'

/** The keys of {@link OpenApiOptions}. */
export const DOCUMENT_OPTION_KEYS: readonly string[] = [
  'title',
  'version',
  'summary',
  'description',
  'termsOfService',
  'contact',
  'license',
  'servers',
  'tags',
  'securitySchemes',
  'security',
  'externalDocs',
]

const SCHEME_TYPES = new Set(['http', 'apiKey', 'oauth2', 'openIdConnect', 'mutualTLS'])

/** Validate document options; `knownKeys` lets the plugin accept its own keys too. */
export function checkDocumentOptions(
  options: OpenApiOptions,
  knownKeys: readonly string[] = DOCUMENT_OPTION_KEYS,
): void {
  if (options === null || typeof options !== 'object') {
    throw new PlinthError(
      'PLINTH_OPENAPI_INVALID_OPTIONS',
      "OpenAPI options must be an object, e.g. { title: 'My API', version: '1.0.0' }.",
    )
  }
  for (const key of Object.keys(options)) {
    if (!knownKeys.includes(key)) {
      throw new PlinthError(
        'PLINTH_OPENAPI_UNKNOWN_OPTION',
        `Unknown OpenAPI option "${key}"; known options: ${knownKeys.join(', ')}.`,
      )
    }
  }
  for (const key of ['title', 'version'] as const) {
    if (typeof options[key] !== 'string' || options[key].trim() === '') {
      throw new PlinthError(
        'PLINTH_OPENAPI_INVALID_INFO',
        `OpenAPI option "${key}" is required and must be a non-empty string, e.g. { title: 'Catalog API', version: '1.0.0' }.`,
      )
    }
  }
  if (options.license !== undefined && typeof options.license?.name !== 'string') {
    throw new PlinthError(
      'PLINTH_OPENAPI_INVALID_INFO',
      "OpenAPI option \"license\" needs a name, e.g. { name: 'MIT', identifier: 'MIT' }.",
    )
  }
  if (options.servers !== undefined) {
    if (
      !Array.isArray(options.servers) ||
      options.servers.some((s) => typeof s?.url !== 'string')
    ) {
      throw new PlinthError(
        'PLINTH_OPENAPI_INVALID_SERVERS',
        'OpenAPI option "servers" must be a list of { url }, e.g. [{ url: \'https://api.example.com\' }].',
      )
    }
  }
  if (options.tags !== undefined) {
    if (!Array.isArray(options.tags) || options.tags.some((t) => typeof t?.name !== 'string')) {
      throw new PlinthError(
        'PLINTH_OPENAPI_INVALID_TAGS',
        "OpenAPI option \"tags\" must be a list of { name, description? }, e.g. [{ name: 'users', description: 'Accounts' }].",
      )
    }
  }
  for (const [name, scheme] of Object.entries(options.securitySchemes ?? {})) {
    if (!SCHEME_TYPES.has((scheme as { type?: string } | null)?.type ?? '')) {
      throw new PlinthError(
        'PLINTH_OPENAPI_INVALID_SECURITY_SCHEME',
        `Security scheme "${name}" needs a type (${[...SCHEME_TYPES].join(', ')}), e.g. { type: 'http', scheme: 'bearer' }.`,
      )
    }
  }
  if (options.security !== undefined && !Array.isArray(options.security)) {
    throw new PlinthError(
      'PLINTH_OPENAPI_INVALID_SECURITY',
      'OpenAPI option "security" must be a list of requirements, e.g. [{ bearerAuth: [] }].',
    )
  }
}
