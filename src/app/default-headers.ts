/**
 * `createApp({ headers })`: fixed headers for every response, checked once at startup so that a
 * bad name or value fails the deploy instead of every request.
 */
import { validateHeaderName, validateHeaderValue } from 'node:http'
import { PlinthError } from '../http/index.ts'

/** Headers that belong to one response, never to all of them. */
const PER_RESPONSE = new Set(['content-type', 'content-length', 'transfer-encoding', 'set-cookie'])

/** The option, validated, with lower-case names (frozen), or undefined when there are none. */
export function resolveDefaultHeaders(
  input: unknown,
): Readonly<Record<string, string>> | undefined {
  if (input === undefined) return undefined
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw invalid('must be an object of header names to string values, e.g. { server: "shop" }')
  }
  const headers: Record<string, string> = Object.create(null)
  for (const [name, value] of Object.entries(input)) {
    const lower = name.toLowerCase()
    if (PER_RESPONSE.has(lower)) {
      throw invalid(`cannot set "${name}": it belongs to each response, not to all of them`)
    }
    if (typeof value !== 'string') throw invalid(`"${name}" must be a string`)
    try {
      validateHeaderName(lower)
      validateHeaderValue(lower, value)
    } catch {
      throw invalid(`"${name}" is not a valid header name, or its value has invalid characters`)
    }
    headers[lower] = value
  }
  return Object.keys(headers).length === 0 ? undefined : Object.freeze(headers)
}

function invalid(reason: string): PlinthError {
  return new PlinthError('PLINTH_CONFIG_INVALID', `Option "headers" ${reason}.`)
}
