/**
 * The route matcher: a `Map` for fully static paths plus a segment tree for patterns with
 * parameters, built once when the app starts.
 *
 * Priority at every segment is static > param > wildcard, with backtracking only across those three
 * choices (no regexes, so matching is linear in the path length). Routes are looked up per method:
 * `DELETE /users/new` still reaches `DELETE /users/:id` when only `GET /users/new` is static.
 */
import { PlinthError } from '../http/errors.ts'
import { isStaticPattern, type PatternSegment, paramNames, parsePattern } from './pattern.ts'

/** Registered under this method, a route answers every method not registered explicitly. */
export const ANY_METHOD = '*'

/** Routes registered for one path shape, keyed by method. */
interface PathEntry<T> {
  methods: Record<string, T>
  /** Static paths only: the hit object per method, allocated once instead of per request. */
  hits: Record<string, RouteHit<T>>
}

const NO_VALUES: string[] = Object.freeze([]) as unknown as string[]

interface TreeNode<T> {
  statics: Map<string, TreeNode<T>> | null
  param: TreeNode<T> | null
  wildcard: PathEntry<T> | null
  entry: PathEntry<T> | null
}

/** The result of a successful lookup. */
export interface RouteHit<T> {
  value: T
  /** Parameter values in path order (already percent-decoded by the caller). */
  values: string[]
}

function newNode<T>(): TreeNode<T> {
  return { statics: null, param: null, wildcard: null, entry: null }
}

function newEntry<T>(): PathEntry<T> {
  return { methods: Object.create(null), hits: Object.create(null) }
}

function pick<T>(entry: PathEntry<T>, method: string): T | undefined {
  const m = entry.methods
  return m[method] ?? (method === 'HEAD' ? m.GET : undefined) ?? m[ANY_METHOD]
}

/** Matches request paths to registered values. */
export class RouteTree<T> {
  readonly #statics = new Map<string, PathEntry<T>>()
  readonly #root: TreeNode<T> = newNode()
  readonly #maxParamLength: number

  constructor(options: { maxParamLength?: number } = {}) {
    this.#maxParamLength = options.maxParamLength ?? 1000
  }

  /** Register `value` for `method` and `pattern`; a second registration of the same pair throws. */
  add(method: string, pattern: string, value: T): void {
    const segments = parsePattern(pattern)
    const entry = isStaticPattern(segments) ? this.#staticEntry(pattern) : this.#treeEntry(segments)
    if (entry.methods[method] !== undefined) {
      throw new PlinthError(
        'PLINTH_ROUTING_DUPLICATE_ROUTE',
        `${method === ANY_METHOD ? 'ALL' : method} ${pattern} is registered twice (or two patterns differ only in parameter names).`,
      )
    }
    entry.methods[method] = value
  }

  #staticEntry(pattern: string): PathEntry<T> {
    let entry = this.#statics.get(pattern)
    if (!entry) {
      entry = newEntry()
      this.#statics.set(pattern, entry)
    }
    return entry
  }

  #treeEntry(segments: PatternSegment[]): PathEntry<T> {
    let node = this.#root
    for (const segment of segments) {
      if (segment.kind === 'static') {
        node.statics ??= new Map()
        let next = node.statics.get(segment.value)
        if (!next) {
          next = newNode()
          node.statics.set(segment.value, next)
        }
        node = next
      } else if (segment.kind === 'param') {
        node.param ??= newNode()
        node = node.param
      } else {
        node.wildcard ??= newEntry()
        return node.wildcard
      }
    }
    node.entry ??= newEntry()
    return node.entry
  }

  /**
   * Find the route for `method` and a decoded `path`. Returns `undefined` when nothing matches that
   * method (use {@link allowedMethods} to tell 404 from 405).
   */
  find(method: string, path: string): RouteHit<T> | undefined {
    const entry = this.#statics.get(path)
    if (entry !== undefined) {
      const cached = entry.hits[method]
      if (cached !== undefined) return cached
      const value = pick(entry, method)
      if (value !== undefined) {
        // Methods come from Node's parser (a fixed set of tokens), so this cache stays small.
        const hit = { value, values: NO_VALUES }
        entry.hits[method] = hit
        return hit
      }
    }
    const values: string[] = []
    const value = this.#walk(this.#root, path, 1, values, method)
    return value === undefined ? undefined : { value, values }
  }

  #walk(
    node: TreeNode<T>,
    path: string,
    start: number,
    values: string[],
    method: string,
  ): T | undefined {
    if (start > path.length) {
      return node.entry === null ? undefined : pick(node.entry, method)
    }
    let end = path.indexOf('/', start)
    if (end === -1) end = path.length
    const segment = path.slice(start, end)
    const child = node.statics?.get(segment)
    if (child !== undefined) {
      const found = this.#walk(child, path, end + 1, values, method)
      if (found !== undefined) return found
    }
    if (node.param !== null && segment.length > 0 && segment.length <= this.#maxParamLength) {
      values.push(segment)
      const found = this.#walk(node.param, path, end + 1, values, method)
      if (found !== undefined) return found
      values.pop()
    }
    if (node.wildcard !== null) {
      const found = pick(node.wildcard, method)
      if (found !== undefined) {
        values.push(path.slice(start))
        return found
      }
    }
    return undefined
  }

  /** Every method registered for routes matching `path` (for `Allow` and automatic OPTIONS). */
  allowedMethods(path: string): Set<string> {
    const methods = new Set<string>()
    const entry = this.#statics.get(path)
    if (entry) for (const m of Object.keys(entry.methods)) methods.add(m)
    this.#collect(this.#root, path, 1, methods)
    if (methods.has('GET')) methods.add('HEAD')
    return methods
  }

  #collect(node: TreeNode<T>, path: string, start: number, out: Set<string>): void {
    if (start > path.length) {
      if (node.entry) for (const m of Object.keys(node.entry.methods)) out.add(m)
      return
    }
    let end = path.indexOf('/', start)
    if (end === -1) end = path.length
    const segment = path.slice(start, end)
    const child = node.statics?.get(segment)
    if (child) this.#collect(child, path, end + 1, out)
    if (node.param && segment.length > 0 && segment.length <= this.#maxParamLength) {
      this.#collect(node.param, path, end + 1, out)
    }
    if (node.wildcard) for (const m of Object.keys(node.wildcard.methods)) out.add(m)
  }
}

/** Build a `{ name: value }` object from positional values for a pattern's parameter names. */
export function paramsFactory(pattern: string): (values: string[]) => Record<string, string> {
  const names = paramNames(parsePattern(pattern))
  if (names.length === 0) return () => Object.create(null)
  return (values) => {
    const params: Record<string, string> = Object.create(null)
    for (let i = 0; i < names.length; i++) params[names[i]!] = values[i]!
    return params
  }
}
