/**
 * Safe JSON body parsing.
 *
 * `JSON.parse` itself is iterative and safe (and the body size is already capped), but what comes
 * after it is not: recursive validators,
 * serializers and loggers overflow the stack on deeply nested input, and an own `__proto__` key turns
 * into a real prototype on the first `Object.assign`. So a body is rejected (400) when it nests
 * deeper than the limit or carries `__proto__` / `constructor.prototype` keys (Fastify's
 * `onProtoPoisoning: 'error'`).
 */

/** A client-side JSON problem; `reason` is safe to show (it never echoes the body). */
export class JsonBodyError extends Error {
  readonly reason: string
  constructor(reason: string) {
    super(reason)
    this.name = 'JsonBodyError'
    this.reason = reason
  }
}

/**
 * Parse a JSON document with a nesting limit and prototype-poisoning protection.
 *
 * @example
 * parseJsonBody('{"a":[1,2]}', 64) // { a: [1, 2] }
 * parseJsonBody('{"__proto__":{}}', 64) // throws JsonBodyError
 */
export function parseJsonBody(text: string, maxDepth: number): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new JsonBodyError(describeSyntaxError(error))
  }
  if (value === null || typeof value !== 'object') return value
  // A document this short cannot nest too deep; only look for poisoning keys if one may be there.
  const suspicious =
    text.includes('__proto__') || text.includes('constructor') || text.includes('\\u')
  if (suspicious || text.length > maxDepth * 2) checkParsed(value, maxDepth, suspicious)
  return value
}

/**
 * One iterative walk (V8's `JSON.parse` is not recursive, so parsing first is safe; the walk must
 * not be recursive either) checking the nesting depth and, when asked, the poisoning keys.
 */
function checkParsed(root: object, maxDepth: number, checkKeys: boolean): void {
  const nodes: object[] = [root]
  const depths: number[] = [1]
  while (nodes.length > 0) {
    const node = nodes.pop() as Record<string, unknown>
    const depth = depths.pop()!
    if (depth > maxDepth)
      throw new JsonBodyError(`JSON nests deeper than the limit of ${maxDepth} levels`)
    if (Array.isArray(node)) {
      for (const item of node) {
        if (item !== null && typeof item === 'object') {
          nodes.push(item)
          depths.push(depth + 1)
        }
      }
      continue
    }
    if (checkKeys) checkKeysOf(node)
    for (const key in node) {
      const child = node[key]
      if (child !== null && typeof child === 'object') {
        nodes.push(child)
        depths.push(depth + 1)
      }
    }
  }
}

function checkKeysOf(node: Record<string, unknown>): void {
  if (Object.hasOwn(node, '__proto__'))
    throw new JsonBodyError('JSON contains a forbidden "__proto__" key')
  if (!Object.hasOwn(node, 'constructor')) return
  const ctor = node.constructor
  if (ctor !== null && typeof ctor === 'object' && Object.hasOwn(ctor, 'prototype')) {
    throw new JsonBodyError('JSON contains a forbidden "constructor.prototype" key')
  }
}

function describeSyntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  // V8 quotes part of the input ("…" is not valid JSON); drop it so the body is never echoed.
  const cleaned = message.replace(/,\s*".*" is not valid JSON$/s, '').replace(/\s+/g, ' ')
  return `Malformed JSON: ${cleaned}`
}
