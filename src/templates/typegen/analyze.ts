/**
 * Typed template contexts, analysis: for each template of a loader, the variables its caller must
 * provide and what the template needs of each (`shape.ts`), following `extends`, `include` and
 * `import … with context` the way rendering does.
 *
 * - A parent's variables are needed too, except those the child (or any template of the chain)
 *   assigns at its top level, and except blocks the child overrides without `super()`.
 * - An include with context needs the included template's variables, minus those bound where it
 *   is included; a bound one takes the requirements on (`{% for product in products %}` around
 *   `{% include "row.html" %}` puts what `row.html` reads of `product` on the items of `products`).
 * - Names given by the environment (globals, `loop`, `caller`, the app's `url`, `static`,
 *   `request`) are not the caller's to provide: pass them as `globals`.
 */
import type { Loader } from '../loaders/types.ts'
import { parse } from '../parser.ts'
import { type ContextShape, mergeContext } from './shape.ts'
import { type Summary, type TemplateUses, walkTemplate } from './walk.ts'

/**
 * Names every template may read without the caller passing them: Jinja2's globals (`range`,
 * `dict`, …), the names the engine binds (`loop`, `caller`, `varargs`, `kwargs`, `super`) and the
 * app's request helpers (`url`, `static`, `request`).
 */
export const DEFAULT_GLOBALS: readonly string[] = Object.freeze([
  'range',
  'dict',
  'namespace',
  'cycler',
  'joiner',
  'lipsum',
  'loop',
  'caller',
  'varargs',
  'kwargs',
  'super',
  'url',
  'static',
  'request',
  'csrf_token',
  'csp_nonce',
])

export interface AnalyzeOptions {
  /** Where the templates come from; `list()` gives the names when `names` is not given. */
  loader: Loader
  /** The templates to describe (default: every template the loader lists). */
  names?: readonly string[]
  /** Names the environment provides (default {@link DEFAULT_GLOBALS}; add your own globals). */
  globals?: Iterable<string>
}

/**
 * Custom tags (`{% csrf_token %}`, `{% url … %}`) are registered on an environment the analysis
 * does not have: any tag name that is not an end tag or a branch is read as one, arguments
 * included, so their variables count.
 */
const ANY_TAG = {
  has: (name: string) => !STRUCTURE.test(name),
} as unknown as ReadonlySet<string>
/** Tags that close or continue a built-in tag: misplaced, they stay syntax errors. */
const STRUCTURE = /^(end(if|for|set|with|block|macro|call|filter|raw)|else|elif|empty)$/

/**
 * What each template needs of its context, by name (sorted). Templates that fail to parse throw
 * their `TemplateSyntaxError`.
 *
 * @example
 * const contexts = analyzeTemplates({ loader: fileSystemLoader('templates') })
 * contexts.get('products.html') // Map { 'products' => { shape, optional: false }, … }
 */
export function analyzeTemplates(options: AnalyzeOptions): Map<string, ContextShape> {
  const loader = options.loader
  const names = options.names ?? loader.list?.()
  if (names === undefined)
    throw new TypeError('analyzeTemplates(): the loader cannot list its templates; pass `names`.')
  const globals = new Set(options.globals ?? DEFAULT_GLOBALS)
  const uses = new Map<string, TemplateUses | undefined>()
  const summaries = new Map<string, Summary | undefined>()
  const inProgress = new Set<string>()

  const usesOf = (name: string): TemplateUses | undefined => {
    if (uses.has(name)) return uses.get(name)
    const source = loader.load(name)
    const nodes = source === undefined ? undefined : parse(source.source, name, { tags: ANY_TAG })
    const found = nodes === undefined ? undefined : walkTemplate(nodes, { globals, summary })
    uses.set(name, found)
    return found
  }

  function summary(name: string): Summary | undefined {
    if (summaries.has(name)) return summaries.get(name)
    // An include cycle (a template including itself, for a tree): the outer walk has it.
    if (inProgress.has(name)) return undefined
    inProgress.add(name)
    try {
      const result = resolve(name, usesOf)
      summaries.set(name, result)
      return result
    } finally {
      inProgress.delete(name)
    }
  }

  const out = new Map<string, ContextShape>()
  for (const name of [...names].sort()) {
    const found = summary(name)
    if (found !== undefined) out.set(name, found.context)
  }
  return out
}

/** The summary of `name` with its `extends` chain resolved. */
function resolve(
  name: string,
  usesOf: (name: string) => TemplateUses | undefined,
): Summary | undefined {
  const chain: TemplateUses[] = []
  const seen = new Set<string>()
  for (let at: string | undefined = name; at !== undefined && !seen.has(at); ) {
    seen.add(at)
    const found = usesOf(at)
    if (found === undefined) break
    chain.push(found)
    at = found.parent
  }
  const own = chain[0]
  if (own === undefined) return undefined
  const context: ContextShape = new Map()
  /** Blocks overridden below without `super()`: the ancestors' versions never render. */
  const replaced = new Set<string>()
  for (const template of chain) {
    const part: ContextShape = new Map()
    mergeContext(part, template.root)
    for (const [block, found] of template.blocks)
      if (!replaced.has(block)) mergeContext(part, found.context)
    for (const [block, found] of template.blocks) if (!found.callsSuper) replaced.add(block)
    // Top-level assignments live in the render context, where the rest of the chain reads them
    // (within one template the walk already knows whether a read comes before the assignment).
    for (const other of chain) if (other !== template) for (const n of other.bound) part.delete(n)
    mergeContext(context, part)
  }
  return { context, macros: own.macros }
}
