/**
 * Body kinds (`consumes`) and their media types, shared by request validation and by anything
 * that describes routes (the OpenAPI generator).
 */
import { isJsonMediaType } from '../http/content-type.ts'
import type { BodyKind, RouteOptions } from './types.ts'

/** The media type each body kind is documented with. */
export const BODY_KIND_MEDIA_TYPES: Readonly<Record<BodyKind, string>> = Object.freeze({
  json: 'application/json',
  form: 'application/x-www-form-urlencoded',
  multipart: 'multipart/form-data',
  text: 'text/plain',
  bytes: 'application/octet-stream',
})

/** Whether a request's content-type essence is accepted by a body kind. */
export const BODY_KIND_ACCEPTS: Readonly<Record<BodyKind, (essence: string) => boolean>> =
  Object.freeze({
    json: isJsonMediaType,
    form: (essence: string) => essence === 'application/x-www-form-urlencoded',
    multipart: (essence: string) => essence === 'multipart/form-data',
    text: (essence: string) => essence.startsWith('text/'),
    bytes: () => true,
  })

/**
 * The body kinds a route accepts: its `consumes` option as a list, JSON by default.
 *
 * @example
 * bodyKinds({ consumes: 'multipart' }) // ['multipart']
 */
export function bodyKinds(options: Pick<RouteOptions, 'consumes'>): readonly BodyKind[] {
  const consumes = options.consumes
  if (consumes === undefined) return ['json']
  return typeof consumes === 'string' ? [consumes] : consumes
}
