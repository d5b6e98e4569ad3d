/**
 * Before writing a merge migration: do the branches being merged change the same thing?
 *
 * A merge migration has no operations; it only declares that the branches' migrations all ran.
 * That is safe when the branches touch different models and fields. When both touch the same
 * field (two `alterField`s, an add on one side and a rename on the other), the result would
 * depend on which branch runs first, so the merge is refused and the user reconciles by hand.
 */
import { MigrationError } from '../errors.ts'
import type { MigrationGraph } from '../graph.ts'
import type { Migration } from '../migration.ts'
import { qualify } from '../operations/base.ts'

/** What one operation touches: `app.Product` (the whole model) or `app.Product.price`. */
function touched(migration: Migration): string[] {
  const out: string[] = []
  for (const operation of migration.operations) {
    const o = (operation as { options?: Record<string, unknown> }).options ?? {}
    const model = (name: unknown) => qualify(String(name), migration.module)
    switch (operation.type) {
      case 'createModel':
      case 'deleteModel':
      case 'alterModelTable':
        out.push(model(o.name))
        break
      case 'renameModel':
        out.push(model(o.from), model(o.to))
        break
      case 'addField':
      case 'removeField':
      case 'alterField':
        out.push(`${model(o.model)}.${String(o.name)}`)
        break
      case 'renameField':
        out.push(`${model(o.model)}.${String(o.from)}`, `${model(o.model)}.${String(o.to)}`)
        break
      case 'addIndex':
      case 'addConstraint': {
        const item = (o.index ?? o.constraint) as { name: string }
        out.push(`${model(o.model)}#${item.name}`)
        break
      }
      case 'removeIndex':
      case 'removeConstraint':
        out.push(`${model(o.model)}#${String(o.name)}`)
        break
    }
  }
  return out
}

function overlaps(a: string, b: string): boolean {
  return (
    a === b ||
    a.startsWith(`${b}.`) ||
    b.startsWith(`${a}.`) ||
    a.startsWith(`${b}#`) ||
    b.startsWith(`${a}#`)
  )
}

/**
 * Refuse to merge `leaves` (keys of one module's leaf migrations) when their branches change the
 * same model or field.
 */
export function checkBranches(graph: MigrationGraph, leaves: readonly string[]): void {
  const ancestry = leaves.map((leaf) => new Set(graph.forwardsPlan([leaf]).map((m) => m.key)))
  const common = [...ancestry[0]!].filter((key) => ancestry.every((set) => set.has(key)))
  const branches = ancestry.map((set) =>
    [...set].filter((key) => !common.includes(key)).map((key) => graph.get(key)!),
  )
  const seen: Array<{ item: string; migration: string; branch: number }> = []
  for (const [branch, migrations] of branches.entries()) {
    for (const migration of migrations) {
      for (const item of touched(migration)) {
        const clash = seen.find((s) => s.branch !== branch && overlaps(s.item, item))
        if (clash !== undefined) {
          throw new MigrationError(
            'PLINTH_MIGRATIONS_MERGE_CONFLICT',
            `Cannot merge: ${clash.migration} and ${migration.key} both change ${clash.item === item ? item : `${clash.item} / ${item}`}, so the result would depend on which runs first. Reconcile them by hand: edit one branch's migration (if it has not been applied anywhere), or write the merge migration yourself with the operations that settle it.`,
          )
        }
        seen.push({ item, migration: migration.key, branch })
      }
    }
  }
}
