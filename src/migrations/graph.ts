/**
 * The migration graph: migrations are nodes, dependencies are edges. Plans are topological
 * orders of it, the same on every machine (ties are broken by module and name).
 *
 * Squashed migrations (`replaces`) stand in for the migrations they replace when a database has
 * applied all of them or none; when only some are applied, the originals are used until the rest
 * are applied.
 */
import { MigrationError } from './errors.ts'
import type { Migration } from './migration.ts'

/** `module.name` of a dependency written in a migration of `module`. */
export function dependencyKey(dependency: string, module: string): string {
  return dependency.includes('.') ? dependency : `${module}.${dependency}`
}

export class MigrationGraph {
  readonly #nodes = new Map<string, Migration>()
  readonly #parents = new Map<string, Set<string>>()
  readonly #children = new Map<string, Set<string>>()

  /**
   * @param migrations every loaded migration
   * @param applied keys recorded as applied (decides whether squashed migrations are used)
   */
  constructor(migrations: readonly Migration[], applied: ReadonlySet<string> = new Set()) {
    const replacedBy = new Map<string, string>()
    for (const m of migrations) this.#nodes.set(m.key, m)
    for (const m of migrations) {
      if (m.replaces.length === 0) continue
      const replaced = m.replaces.map((r) => dependencyKey(r, m.module))
      const done = replaced.filter((r) => applied.has(r)).length
      if (done === 0 || done === replaced.length) {
        for (const r of replaced) {
          this.#nodes.delete(r)
          replacedBy.set(r, m.key)
        }
      } else {
        this.#nodes.delete(m.key)
      }
    }
    for (const m of this.#nodes.values()) {
      this.#parents.set(m.key, new Set())
      this.#children.set(m.key, this.#children.get(m.key) ?? new Set())
    }
    for (const m of this.#nodes.values()) {
      const replaced = new Set(m.replaces.map((r) => dependencyKey(r, m.module)))
      for (const dep of m.dependencies) {
        let key = dependencyKey(dep, m.module)
        if (replaced.has(key)) continue
        key = replacedBy.get(key) ?? key
        if (!this.#nodes.has(key)) {
          throw new MigrationError(
            'PLINTH_MIGRATIONS_MISSING_DEPENDENCY',
            `Migration ${m.key} depends on ${key}, which does not exist. Check the dependency's spelling, or add the module that provides it to defineMigrations({ modules }).`,
          )
        }
        if (key === m.key) continue
        this.#parents.get(m.key)!.add(key)
        this.#children.get(key)!.add(m.key)
      }
    }
    this.#checkCycles()
  }

  /** The migration `key`, or undefined. */
  get(key: string): Migration | undefined {
    return this.#nodes.get(key)
  }

  /** Every migration in the graph (after squash substitution). */
  nodes(): Migration[] {
    return [...this.#nodes.values()]
  }

  /** Direct dependencies of `key`. */
  parents(key: string): string[] {
    return [...(this.#parents.get(key) ?? [])]
  }

  /** The last migrations of `module`: those no other migration of the module depends on. */
  leaves(module: string): string[] {
    return this.nodes()
      .filter(
        (m) =>
          m.module === module &&
          ![...this.#children.get(m.key)!].some((c) => this.#nodes.get(c)!.module === module),
      )
      .map((m) => m.key)
      .sort()
  }

  /** Modules with more than one leaf: two branches that need a merge migration. */
  conflicts(): Map<string, string[]> {
    const out = new Map<string, string[]>()
    for (const module of new Set(this.nodes().map((m) => m.module))) {
      const leaves = this.leaves(module)
      if (leaves.length > 1) out.set(module, leaves)
    }
    return out
  }

  /** Throw a clear error when a module has conflicting branches. */
  assertNoConflicts(): void {
    const conflicts = this.conflicts()
    if (conflicts.size === 0) return
    const list = [...conflicts].map(([module, leaves]) => `${module}: ${leaves.join(', ')}`)
    throw new MigrationError(
      'PLINTH_MIGRATIONS_CONFLICT',
      `Conflicting migrations: ${list.join('; ')} (two migrations of one module that do not depend on each other, usually from two branches). Run \`plinth makemigrations --merge\` to write a merge migration, then migrate.`,
    )
  }

  /** `targets` and everything they depend on, dependencies first. */
  forwardsPlan(targets: readonly string[]): Migration[] {
    return this.#walk(targets, (k) => this.#parents.get(k)!)
  }

  /** `targets` and everything depending on them, dependents first. */
  backwardsPlan(targets: readonly string[]): Migration[] {
    return this.#walk(targets, (k) => this.#children.get(k)!)
  }

  /** Every migration, dependencies first. */
  order(): Migration[] {
    return this.forwardsPlan([...this.#nodes.keys()])
  }

  #walk(targets: readonly string[], next: (key: string) => Set<string>): Migration[] {
    const out: Migration[] = []
    const seen = new Set<string>()
    const visit = (key: string) => {
      if (seen.has(key)) return
      seen.add(key)
      for (const k of [...next(key)].sort()) visit(k)
      out.push(this.#nodes.get(key)!)
    }
    for (const key of [...targets].sort()) {
      if (!this.#nodes.has(key)) {
        throw new MigrationError(
          'PLINTH_MIGRATIONS_UNKNOWN_MIGRATION',
          `There is no migration ${key}; \`plinth showmigrations\` lists them.`,
        )
      }
      visit(key)
    }
    return out
  }

  #checkCycles(): void {
    const state = new Map<string, 1 | 2>()
    const stack: string[] = []
    const visit = (key: string) => {
      if (state.get(key) === 2) return
      if (state.get(key) === 1) {
        const cycle = stack.slice(stack.indexOf(key)).concat(key)
        throw new MigrationError(
          'PLINTH_MIGRATIONS_CYCLE',
          `Migrations depend on each other in a circle: ${cycle.join(' → ')}. Remove one of these dependencies.`,
        )
      }
      state.set(key, 1)
      stack.push(key)
      for (const p of [...this.#parents.get(key)!].sort()) visit(p)
      stack.pop()
      state.set(key, 2)
    }
    for (const key of [...this.#nodes.keys()].sort()) visit(key)
  }
}
