/**
 * Turning validator JSON Schemas into OpenAPI schemas that share `components.schemas`.
 *
 * Validators emit self-contained documents: Zod writes `$schema`, puts named schemas
 * (`.meta({ id: 'User' })`) under `$defs` with `$ref: '#/$defs/User'`, and refers to the root of an
 * anonymous recursive schema as `$ref: '#'`. Inside an OpenAPI document those pointers would point
 * at the wrong place, so every `$defs` entry (at any depth) is hoisted into the registry and every
 * local `$ref` is rewritten to `#/components/schemas/<Name>`.
 *
 * Naming: a definition keeps its own name when that is free, or when the component already there
 * is the same schema (compared with everything it references, so two `Wrapper`s around different
 * `User`s are not merged). A different schema under a taken name is renamed: `UserInput` /
 * `UserOutput` when the clash is the same model seen as request and as response (Zod adds
 * `additionalProperties: false` to outputs), otherwise `User2`, `User3`, ...
 */
import { type JsonSchema, type StandardSchemaV1, toJsonSchema } from '../validation/index.ts'
import { escapePointer, isObject, stableStringify, walkSchema } from './json-schema-walk.ts'

const COMPONENT_PREFIX = '#/components/schemas/'

/** Which side of a schema is documented: what a request may send, or what a response contains. */
export type SchemaIo = 'input' | 'output'

/** How one schema is imported. */
export interface ImportOptions {
  io: SchemaIo
  /** Base name for components that have no name of their own (recursive roots, `__schema0`). */
  context: string
  /** Return a named root's content instead of a `$ref` to it (parameters are expanded, not referenced). */
  inlineRoot?: boolean
}

interface Component {
  schema: JsonSchema
  ios: Set<string>
}

interface Definition {
  local: string
  schema: JsonSchema
  inline: boolean
}

/** Where a local `$ref` points: a definition (by pointer) or the root (`null`), plus a sub-pointer. */
interface RefTarget {
  def: string | null
  rest: string
}

interface Claim {
  name: string
  fresh: boolean
}

/** Collects the named schemas of one document. */
export class SchemaRegistry {
  readonly #components = new Map<string, Component>()
  /** `<base>\0<identity>` (or `\0<identity>` for unnamed schemas) → component name. */
  readonly #byIdentity = new Map<string, string>()

  /** The OpenAPI schema for a validator's schema; `{}` when it has no JSON Schema form. */
  fromStandard(schema: StandardSchemaV1, options: ImportOptions): JsonSchema {
    const raw = toJsonSchema(schema, options.io)
    return raw === undefined ? {} : this.fromJsonSchema(raw, options)
  }

  /** Import a JSON Schema document; `{}` (and nothing registered) if it cannot be processed. */
  fromJsonSchema(raw: unknown, options: ImportOptions): JsonSchema {
    if (raw === false) return { not: {} }
    if (!isObject(raw)) return {}
    const added: Array<{ name: string; key: string }> = []
    try {
      return this.#import(raw, options, added)
    } catch {
      // Documentation must never take the app down: an odd schema is documented as "anything".
      for (const { name, key } of added) {
        this.#components.delete(name)
        this.#byIdentity.delete(key)
      }
      return {}
    }
  }

  /** Register a fixed component (`ValidationError`) and return a `$ref` to it. */
  define(name: string, schema: JsonSchema): JsonSchema {
    const claim = this.#claim(name, stableStringify(schema), 'fixed', '', [])
    if (claim.fresh) this.#components.get(claim.name)!.schema = structuredClone(schema)
    return { $ref: COMPONENT_PREFIX + claim.name }
  }

  /** Follow `$ref`s to whole components (to look inside a named object schema). */
  resolve(schema: JsonSchema): JsonSchema {
    let current = schema
    for (let hops = 0; hops < 16; hops++) {
      const ref = current.$ref
      if (typeof ref !== 'string' || !ref.startsWith(COMPONENT_PREFIX)) return current
      const target = this.#components.get(ref.slice(COMPONENT_PREFIX.length))
      if (target === undefined) return current
      current = target.schema
    }
    return current
  }

  /** `components.schemas`, sorted by name; `undefined` when empty. */
  components(): Record<string, JsonSchema> | undefined {
    if (this.#components.size === 0) return undefined
    const names = [...this.#components.keys()].sort()
    return Object.fromEntries(names.map((name) => [name, this.#components.get(name)!.schema]))
  }

  #import(
    raw: JsonSchema,
    options: ImportOptions,
    added: Array<{ name: string; key: string }>,
  ): JsonSchema {
    const root = structuredClone(raw)
    delete root.$schema
    const defs = new Map<string, Definition>()
    detachDefinitions(root, '#', defs)

    const refs: Array<{ node: JsonSchema; owner: string | null; target: RefTarget }> = []
    const scan = (schema: JsonSchema, owner: string | null, base: string) =>
      walkSchema(schema, base, (node) => {
        if (typeof node.$ref === 'string' && node.$ref.startsWith('#'))
          refs.push({ node, owner, target: locate(node.$ref, defs) })
      })
    scan(root, null, '#')
    for (const [pointer, def] of defs) scan(def.schema, pointer, pointer)

    const rootRef = refs.find((r) => r.node === root)?.target
    const aliasOf =
      Object.keys(root).length === 1 && rootRef?.def != null && rootRef.rest === ''
        ? rootRef.def
        : undefined
    if (
      aliasOf !== undefined &&
      options.inlineRoot === true &&
      !refs.some((r) => r.node !== root && r.target.def === aliasOf)
    ) {
      defs.get(aliasOf)!.inline = true
    }

    const identity = identities(root, defs, refs)
    const finals = new Map<string | null, Claim>()
    for (const [pointer, def] of defs) {
      if (def.inline) continue
      finals.set(
        pointer,
        this.#claim(def.local, identity(pointer), options.io, options.context, added),
      )
    }
    if (refs.some((r) => r.target.def === null)) {
      finals.set(null, this.#claim(undefined, identity(null), options.io, options.context, added))
    }

    for (const { node, target } of refs) {
      const claim = finals.get(target.def)
      if (claim !== undefined) node.$ref = COMPONENT_PREFIX + claim.name + target.rest
    }
    for (const [pointer, claim] of finals) {
      if (claim.fresh)
        this.#components.get(claim.name)!.schema =
          pointer === null ? root : defs.get(pointer)!.schema
    }

    const rootClaim = finals.get(null)
    if (rootClaim !== undefined) return { $ref: COMPONENT_PREFIX + rootClaim.name }
    if (aliasOf !== undefined && defs.get(aliasOf)!.inline) return defs.get(aliasOf)!.schema
    return root
  }

  #claim(
    local: string | undefined,
    identity: string,
    io: string,
    context: string,
    added: Array<{ name: string; key: string }>,
  ): Claim {
    // Zod names the definitions it extracts on its own `__schema0`, `__schema1`: not a model name.
    const anonymous = local === undefined || local.startsWith('__')
    const base = anonymous
      ? context + (local === undefined ? '' : capitalize(local.replace(/^_+/, '')))
      : componentName(local)
    const key = anonymous ? `\0${identity}` : `${base}\0${identity}`
    const known = this.#byIdentity.get(key)
    if (known !== undefined) {
      this.#components.get(known)!.ios.add(io)
      return { name: known, fresh: false }
    }
    const name = this.#freeName(base, io)
    this.#components.set(name, { schema: {}, ios: new Set([io]) })
    this.#byIdentity.set(key, name)
    added.push({ name, key })
    return { name, fresh: true }
  }

  #freeName(base: string, io: string): string {
    const holder = this.#components.get(base)
    if (holder === undefined) return base
    if ((io === 'input' || io === 'output') && !holder.ios.has(io)) {
      const labelled = base + capitalize(io)
      if (!this.#components.has(labelled)) return labelled
    }
    for (let n = 2; ; n++) if (!this.#components.has(`${base}${n}`)) return `${base}${n}`
  }
}

/** Move every `$defs` / `definitions` entry (at any depth) out of the tree into `defs`. */
function detachDefinitions(schema: JsonSchema, base: string, defs: Map<string, Definition>): void {
  walkSchema(schema, base, (node, pointer) => {
    for (const keyword of ['$defs', 'definitions']) {
      const map = node[keyword]
      if (map === undefined) continue
      delete node[keyword]
      if (!isObject(map)) continue
      for (const [name, child] of Object.entries(map)) {
        if (!isObject(child)) continue
        delete child.$schema
        const at = `${pointer}/${keyword}/${escapePointer(name)}`
        defs.set(at, { local: name, schema: child, inline: false })
        detachDefinitions(child, at, defs)
      }
    }
  })
}

/** Resolve a local `$ref` to the innermost definition containing it, else to the root. */
function locate(ref: string, defs: Map<string, Definition>): RefTarget {
  let fragment = ref.slice(1)
  try {
    fragment = decodeURIComponent(fragment)
  } catch {
    // Not URI-encoded after all: use it as written.
  }
  const pointer = `#${fragment}`
  let best: string | undefined
  for (const at of defs.keys()) {
    if (
      (pointer === at || pointer.startsWith(`${at}/`)) &&
      (best === undefined || at.length > best.length)
    )
      best = at
  }
  return best === undefined
    ? { def: null, rest: fragment }
    : { def: best, rest: pointer.slice(best.length) }
}

/**
 * A text identifying a definition together with everything it references (transitively), taken
 * before refs are rewritten, so equal texts mean interchangeable schemas.
 */
function identities(
  root: JsonSchema,
  defs: Map<string, Definition>,
  refs: Array<{ owner: string | null; target: RefTarget }>,
): (owner: string | null) => string {
  const edges = new Map<string | null, Set<string | null>>()
  for (const { owner, target } of refs) {
    if (!edges.has(owner)) edges.set(owner, new Set())
    edges.get(owner)!.add(target.def)
  }
  const content = (owner: string | null) => (owner === null ? root : defs.get(owner)!.schema)
  return (start) => {
    const seen = new Set<string | null>([start])
    const queue = [start]
    while (queue.length > 0) {
      for (const next of edges.get(queue.shift()!) ?? []) {
        if (!seen.has(next)) {
          seen.add(next)
          queue.push(next)
        }
      }
    }
    const closure = [...seen]
      .filter((owner) => owner !== start)
      .map((owner) => [owner ?? '#', content(owner)] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    return stableStringify([content(start), closure])
  }
}

/** Component names may only use `A-Z a-z 0-9 . - _`. */
function componentName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9._-]/g, '_')
  return cleaned === '' ? 'Schema' : cleaned
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1)
}
