/**
 * The request target, decoded once and checked before routing.
 *
 * Everything downstream (router, guards, static files) sees the same canonical path, so the
 * "router and file server disagree about the path" bugs (`/admin%2Fsecret`, `//admin`, `%5C`,
 * `/./`, `/../`) cannot happen: such targets are refused with 400 here.
 */

/** The outcome of reading a request target. */
export interface RequestTarget {
  /** Decoded path, e.g. `/files/café menu.pdf`. */
  path: string
  /** Raw query string without `?` (still encoded), `''` when absent. */
  query: string
}

/** Why a target was refused; becomes the 400 message. */
export class InvalidPathError extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'InvalidPathError'
  }
}

// Encoded '/', '\' and NUL would make the decoded path differ in structure from the raw one.
const FORBIDDEN_ESCAPE = /%(?:2f|5c|00)/i

/**
 * Split and decode a raw request target (`req.url`).
 *
 * @example
 * parseRequestTarget('/files/caf%C3%A9?x=1') // { path: '/files/café', query: 'x=1' }
 * parseRequestTarget('/a/../b')              // throws InvalidPathError
 */
export function parseRequestTarget(url: string): RequestTarget {
  const q = url.indexOf('?')
  const rawPath = q === -1 ? url : url.slice(0, q)
  const query = q === -1 ? '' : url.slice(q + 1)
  if (rawPath.charCodeAt(0) !== 0x2f) {
    throw new InvalidPathError(
      'The request target must be a path starting with "/" (absolute-form targets are not accepted).',
    )
  }
  let path = rawPath
  if (rawPath.includes('%')) {
    if (FORBIDDEN_ESCAPE.test(rawPath))
      throw new InvalidPathError('The path contains an encoded "/", "\\" or NUL.')
    try {
      path = decodeURIComponent(rawPath)
    } catch {
      throw new InvalidPathError('The path contains malformed percent-encoding.')
    }
  }
  if (path.includes('\\')) throw new InvalidPathError('The path contains a backslash.')
  if (path.includes('//')) throw new InvalidPathError('The path contains an empty segment ("//").')
  if (path.includes('/.') && /\/\.\.?(?:\/|$)/.test(path)) {
    throw new InvalidPathError('The path contains a "." or ".." segment.')
  }
  return { path, query }
}
