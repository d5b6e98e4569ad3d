/**
 * A tiny API-key guard for write operations, written as a dependency. (Plinth's auth battery
 * brings users, sessions and permissions; this shows how any guard plugs into routes and into the
 * OpenAPI document.)
 */
import { timingSafeEqual } from 'node:crypto'
import { dependency, HttpError } from 'plinth'

export function apiKeyGuard(expected: string) {
  const wanted = Buffer.from(expected)
  return dependency({
    name: 'apiKey',
    meta: { security: [{ apiKey: [] }] },
    resolve: (ctx) => {
      const given = Buffer.from(String(ctx.req.headers['x-api-key'] ?? ''))
      if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
        throw new HttpError(401, 'Send a valid X-API-Key header to change the catalogue.', {
          code: 'invalid_api_key',
        })
      }
      return true as const
    },
  })
}
