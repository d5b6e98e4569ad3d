/**
 * Renames and fill values declared up front (`--rename app.Product.title=name`,
 * `--default app.Product.stock=0`), checked against the two states before anything is generated.
 *
 * Declaring is how CI generates migrations deterministically: nothing is guessed and nothing is
 * asked. A declaration that does not match what changed is an error rather than ignored, since a
 * typo would otherwise turn a rename into "drop the column and add an empty one".
 */
import { MigrationError } from '../errors.ts'
import type { ModelState, ProjectState } from '../state.ts'
import { splitKey } from './order.ts'

/**
 * A rename the user declares. A model: `{ model: 'app.Item', to: 'Product' }`. A field:
 * `{ model: 'app.Product', from: 'title', to: 'name' }` (the model by its new name or its old).
 */
export interface DeclaredRename {
  model: string
  from?: string
  to: string
}

/** Declared renames, resolved to state keys. */
export interface ResolvedRenames {
  /** Old model key → new model key. */
  models: Map<string, string>
  /** New model key → (old field name → new field name). */
  fields: Map<string, Map<string, string>>
}

/** How a declared rename is written on the command line (for messages). */
export function renameFlag(rename: DeclaredRename): string {
  return rename.from === undefined
    ? `--rename ${rename.model}=${rename.to}`
    : `--rename ${rename.model}.${rename.from}=${rename.to}`
}

function mismatch(rename: DeclaredRename, why: string): MigrationError {
  return new MigrationError(
    'PLINTH_MIGRATIONS_RENAME_MISMATCH',
    `The declared rename ${renameFlag(rename)} does not match the changes: ${why}. Check the spelling, or drop the declaration.`,
  )
}

/** Find a model by `module.Name` or a bare `Name` (unique across modules) in any of `states`. */
export function findModelKey(ref: string, ...states: ProjectState[]): string | undefined {
  if (ref.includes('.')) return states.some((s) => s.has(ref)) ? ref : undefined
  const keys = new Set<string>()
  for (const state of states)
    for (const m of state.models()) if (m.name === ref) keys.add(`${m.module}.${m.name}`)
  if (keys.size > 1) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_RENAME_MISMATCH',
      `"${ref}" names models of several modules (${[...keys].join(', ')}); write it as module.${ref}.`,
    )
  }
  return [...keys][0]
}

function fieldNames(model: ModelState): string {
  return [...model.fields.keys()].join(', ')
}

/**
 * Check declared renames against the state the migrations build (`from`) and today's models
 * (`to`), and resolve them to keys.
 */
export function resolveRenames(
  declared: readonly DeclaredRename[],
  from: ProjectState,
  to: ProjectState,
): ResolvedRenames {
  const models = new Map<string, string>()
  const fields = new Map<string, Map<string, string>>()
  for (const rename of declared.filter((r) => r.from === undefined)) {
    const oldKey = findModelKey(rename.model, from)
    if (oldKey === undefined) throw mismatch(rename, `no migration creates ${rename.model}`)
    if (to.has(oldKey))
      throw mismatch(rename, `${oldKey} is still among the models, so it was not renamed`)
    const [module] = splitKey(oldKey)
    const newKey = rename.to.includes('.') ? rename.to : `${module}.${rename.to}`
    if (splitKey(newKey)[0] !== module)
      throw mismatch(rename, 'a model cannot move to another module by a rename')
    if (!to.has(newKey)) throw mismatch(rename, `there is no model ${newKey}`)
    if (from.has(newKey)) throw mismatch(rename, `${newKey} already exists in the migrations`)
    if ([...models.values()].includes(newKey) || models.has(oldKey))
      throw mismatch(rename, 'it is declared twice')
    models.set(oldKey, newKey)
  }
  const oldKeyOf = (newKey: string) => [...models].find(([, n]) => n === newKey)?.[0] ?? newKey
  for (const rename of declared.filter((r) => r.from !== undefined)) {
    let key = findModelKey(rename.model, to, from)
    if (key === undefined) throw mismatch(rename, `there is no model ${rename.model}`)
    key = models.get(key) ?? key
    if (!to.has(key)) throw mismatch(rename, `${key} is no longer among the models`)
    const oldKey = oldKeyOf(key)
    if (!from.has(oldKey)) throw mismatch(rename, `${key} is a new model; it has nothing to rename`)
    const before = from.get(oldKey)
    const after = to.get(key)
    const { from: oldName, to: newName } = rename as Required<DeclaredRename>
    if (!before.fields.has(oldName))
      throw mismatch(rename, `${oldKey} has no field ${oldName} (fields: ${fieldNames(before)})`)
    if (after.fields.has(oldName))
      throw mismatch(rename, `${key} still has a field ${oldName}, so it was not renamed`)
    if (!after.fields.has(newName))
      throw mismatch(rename, `${key} has no field ${newName} (fields: ${fieldNames(after)})`)
    if (before.fields.has(newName))
      throw mismatch(rename, `${oldKey} already had a field ${newName}`)
    const map = fields.get(key) ?? new Map<string, string>()
    if (map.has(oldName) || [...map.values()].includes(newName))
      throw mismatch(rename, 'it is declared twice')
    map.set(oldName, newName)
    fields.set(key, map)
  }
  return { models, fields }
}

/**
 * Declared fill values (`{ 'app.Product.stock': 0 }`, or `'Product.stock'`) by full key
 * `module.Model.field`; each must name a field of today's models.
 */
export function resolveDefaults(
  declared: Readonly<Record<string, unknown>>,
  to: ProjectState,
): Map<string, unknown> {
  const out = new Map<string, unknown>()
  for (const [ref, value] of Object.entries(declared)) {
    const dot = ref.lastIndexOf('.')
    const bad = (why: string) =>
      new MigrationError(
        'PLINTH_MIGRATIONS_DEFAULT_MISMATCH',
        `The declared default --default ${ref}=… does not match the models: ${why}. Write it as module.Model.field=value (e.g. app.Product.stock=0).`,
      )
    if (dot === -1) throw bad('it names no field')
    const key = findModelKey(ref.slice(0, dot), to)
    if (key === undefined) throw bad(`there is no model ${ref.slice(0, dot)}`)
    const name = ref.slice(dot + 1)
    if (!to.get(key).fields.has(name))
      throw bad(`${key} has no field ${name} (fields: ${fieldNames(to.get(key))})`)
    out.set(`${key}.${name}`, value)
  }
  return out
}
