/**
 * Safe JSON body parsing.
 *
 * `JSON.parse` itself is iterative and safe, but what comes after it is not: recursive validators,
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
  if (text.length > maxDepth * 2) checkDepth(text, maxDepth)
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (error) {
    throw new JsonBodyError(describeSyntaxError(error))
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    (text.includes('__proto__') || text.includes('constructor') || text.includes('\\u'))
  ) {
    checkPrototypeKeys(value)
  }
  return value
}

/** Linear scan for bracket depth outside strings; cheap enough to run before `JSON.parse`. */
function checkDepth(text: string, maxDepth: number): void {
  let depth = 0
  let inString = false
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (inString) {
      if (c === 0x5c) i++
      else if (c === 0x22) inString = false
    } else if (c === 0x22) {
      inString = true
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > maxDepth) {
        throw new JsonBodyError(`JSON nests deeper than the limit of ${maxDepth} levels`)
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth--
    }
  }
}

/** Breadth-first (no recursion) search for poisoning keys. */
function checkPrototypeKeys(root: object): void {
  const queue: object[] = [root]
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i] as Record<string, unknown>
    if (Array.isArray(node)) {
      for (const item of node) if (item !== null && typeof item === 'object') queue.push(item)
      continue
    }
    if (Object.hasOwn(node, '__proto__')) {
      throw new JsonBodyError('JSON contains a forbidden "__proto__" key')
    }
    const ctor = node.constructor
    if (
      Object.hasOwn(node, 'constructor') &&
      ctor !== null &&
      typeof ctor === 'object' &&
      Object.hasOwn(ctor, 'prototype')
    ) {
      throw new JsonBodyError('JSON contains a forbidden "constructor.prototype" key')
    }
    for (const key in node) {
      const child = node[key]
      if (child !== null && typeof child === 'object') queue.push(child)
    }
  }
}

function describeSyntaxError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  // V8 quotes part of the input ("…" is not valid JSON); drop it so the body is never echoed.
  const cleaned = message.replace(/,\s*".*" is not valid JSON$/s, '').replace(/\s+/g, ' ')
  return `Malformed JSON: ${cleaned}`
}
