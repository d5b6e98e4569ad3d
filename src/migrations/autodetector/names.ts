/**
 * Names of generated migration files, chosen the way Django chooses them so a directory listing
 * reads as a history: `0001_initial`, `0002_product_stock`, `0003_remove_product_sku`, and
 * `auto_<timestamp>` when one name cannot describe the changes.
 */
import { snakeCase } from '../../orm/meta.ts'
import { migrationFiles } from '../loader.ts'
import type { Operation } from '../operations/base.ts'

const MAX_NAME = 52

function slug(text: string): string {
  return snakeCase(text)
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
}

/** The part of a name one operation suggests, or undefined (hand-written operations). */
export function nameFragment(operation: Operation): string | undefined {
  const o = (operation as { options?: Record<string, unknown> }).options ?? {}
  const s = (key: string) => slug(String(o[key] ?? ''))
  const item = (key: 'index' | 'constraint') => slug(String((o[key] as { name: string }).name))
  switch (operation.type) {
    case 'createModel':
      return s('name')
    case 'deleteModel':
      return `delete_${s('name')}`
    case 'renameModel':
      return `rename_${s('from')}_${s('to')}`
    case 'alterModelTable':
      return `alter_${s('name')}_table`
    case 'addField':
      return `${s('model')}_${s('name')}`
    case 'removeField':
      return `remove_${s('model')}_${s('name')}`
    case 'alterField':
      return `alter_${s('model')}_${s('name')}`
    case 'renameField':
      return `rename_${s('from')}_${s('model')}_${s('to')}`
    case 'addIndex':
      return `${s('model')}_${item('index')}`
    case 'removeIndex':
      return `remove_${s('model')}_${s('name')}`
    case 'addConstraint':
      return `${s('model')}_${item('constraint')}`
    case 'removeConstraint':
      return `remove_${s('model')}_${s('name')}`
    default:
      return undefined
  }
}

/** `auto_20250314_0930` (UTC). */
export function autoName(now: Date): string {
  const iso = now.toISOString()
  return `auto_${iso.slice(0, 10).replaceAll('-', '')}_${iso.slice(11, 16).replace(':', '')}`
}

/**
 * The name for a migration of `operations`: `initial` for a module's first, the operation's own
 * for a single one, model names for several new models, else `auto_<timestamp>`.
 *
 * @example
 * suggestName([op.addField({ model: 'Product', name: 'stock', field })], false) // 'product_stock'
 */
export function suggestName(
  operations: readonly Operation[],
  initial: boolean,
  now: Date = new Date(),
): string {
  if (initial) return 'initial'
  let name: string | undefined
  if (operations.length === 1) name = nameFragment(operations[0]!)
  else if (operations.length > 1 && operations.every((o) => o.type === 'createModel'))
    name = operations
      .map((o) => nameFragment(o)!)
      .sort()
      .join('_')
  if (name === undefined || name === '' || name.length > MAX_NAME) return autoName(now)
  return name
}

/** The next migration number of a directory, 4 digits: `0001` when it has none. */
export function nextNumber(dir: string): string {
  let highest = 0
  for (const file of migrationFiles(dir)) highest = Math.max(highest, Number.parseInt(file, 10))
  return String(highest + 1).padStart(4, '0')
}

/** Is `name` usable as the name part of a migration file (`--name`)? */
export function validName(name: string): boolean {
  return /^[a-z0-9_]+$/.test(name) && name.length <= 100
}
