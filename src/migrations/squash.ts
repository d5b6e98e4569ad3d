/**
 * Squashing: a linear run of one module's migrations written as one migration that `replaces`
 * them, with the operations optimized (`optimizer.ts`).
 *
 * New databases then run one short migration instead of the whole history; databases that
 * applied the originals keep using them (the graph substitutes the squashed migration only when
 * all or none of the replaced ones are applied, see graph.ts). Once every database is past the
 * run, the originals are deleted and `replaces` removed, and the squashed migration is a normal
 * one.
 *
 * Raw SQL and data migrations cannot be squashed unless they are `elidable` (then they are
 * dropped): their functions are closures, which cannot be written into a new file reliably.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MigrationModule } from './config.ts'
import { MigrationError } from './errors.ts'
import { dependencyKey, MigrationGraph } from './graph.ts'
import { loadMigrations } from './loader.ts'
import { type Migration, replay } from './migration.ts'
import type { Operation } from './operations/base.ts'
import { RunCode, RunSql } from './operations/special.ts'
import { canonicalState, optimize } from './optimizer.ts'
import type { ProjectState } from './state.ts'
import { renderMigration } from './writer.ts'

/** Options of {@link squashMigrations}. */
export interface SquashOptions {
  /** The module whose migrations are squashed. */
  module: string
  /** Every module of the project (dependencies may point into other modules). */
  modules: readonly MigrationModule[]
  /** First migration of the run (name or unique prefix such as `'0002'`); default the first. */
  from?: string
  /** Last migration of the run (name or unique prefix). */
  to: string
  /** Name after the number (default `squashed_<to>`): `0001_<name>.ts`. */
  name?: string
  /** Import path of Plinth's migrations module (default: as the last squashed file imports it). */
  importFrom?: string
  /** Compute the file without writing it. */
  dryRun?: boolean
  /** Migrations loaded already (tests, tools); used instead of loading `modules`. */
  migrations?: readonly Migration[]
}

/** What a squash produced. */
export interface SquashResult {
  /** Name of the new migration (`0001_squashed_0004_stock`). */
  name: string
  /** Absolute path of the file (written unless `dryRun`). */
  file: string
  /** The file's text. */
  text: string
  /** Names of the squashed migrations, in order. */
  replaces: string[]
  dependencies: string[]
  /** Operations in the squashed migrations, and in the new one. */
  operationsIn: number
  operationsOut: number
  /** Elidable runSql/runCode operations dropped. */
  elided: number
  /** Migrations outside the run that depend on one of the squashed ones (`module.name`). */
  dependents: string[]
  written: boolean
  /** Things the user should know (printed by the command). */
  warnings: string[]
}

function rangeError(message: string): MigrationError {
  return new MigrationError('PLINTH_MIGRATIONS_SQUASH_RANGE', message)
}

/** The module's migration called `ref` or the only one starting with it. */
function findMigration(own: readonly Migration[], module: string, ref: string): Migration {
  const exact = own.find((m) => m.name === ref)
  if (exact !== undefined) return exact
  const matches = own.filter((m) => m.name.startsWith(ref))
  if (matches.length === 1) return matches[0]!
  if (matches.length === 0) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_MIGRATION',
      `Module "${module}" has no migration named ${JSON.stringify(ref)} (it has: ${own.map((m) => m.name).join(', ') || 'none'}).`,
    )
  }
  throw new MigrationError(
    'PLINTH_MIGRATIONS_AMBIGUOUS_NAME',
    `${JSON.stringify(ref)} matches several migrations of "${module}": ${matches.map((m) => m.name).join(', ')}. Give more of the name.`,
  )
}

/**
 * The run `from` … `to` of one module, oldest first, checked to be linear: each migration's only
 * parent in the module is the one before, and nothing else in the module builds on the inner ones.
 */
function linearRun(graph: MigrationGraph, to: Migration, from: Migration | undefined): Migration[] {
  const module = to.module
  const children = new Map<string, string[]>()
  for (const m of graph.nodes())
    for (const p of graph.parents(m.key))
      if (m.module === module) children.set(p, [...(children.get(p) ?? []), m.key])
  const own = (key: string) => graph.parents(key).filter((p) => graph.get(p)!.module === module)
  const run = [to]
  for (let current = to; current.key !== from?.key; ) {
    const parents = own(current.key)
    if (parents.length > 1) {
      throw rangeError(
        `${current.key} merges two branches (${parents.join(', ')}); squash a linear run: start the run at the merge (from ${current.name}) or end it before.`,
      )
    }
    if (parents.length === 0) {
      if (from === undefined) break
      const swapped = graph.forwardsPlan([from.key]).some((m) => m.key === to.key)
      throw rangeError(
        `${from.key} does not come before ${to.key} in the history of "${module}"; ${swapped ? `give the older migration first: plinth squashmigrations ${module} ${to.name} ${from.name}` : `${to.name} does not build on it: choose a first migration on the way to ${to.name}`}.`,
      )
    }
    current = graph.get(parents[0]!)!
    run.unshift(current)
  }
  for (const m of run.slice(0, -1)) {
    const next = run[run.indexOf(m) + 1]!
    const others = (children.get(m.key) ?? []).filter((c) => c !== next.key)
    if (others.length > 0) {
      throw rangeError(
        `${others.join(', ')} also build${others.length === 1 ? 's' : ''} on ${m.key}, so ${run[0]!.name} … ${to.name} is not a linear run; squash a shorter run, or merge the branches first (plinth makemigrations --merge).`,
      )
    }
  }
  return run
}

/** The import specifier a migration file imports `defineMigration` from. */
function importOf(file: string | undefined): string | undefined {
  if (file === undefined || !existsSync(file)) return undefined
  const match = /import\s*\{[^}]*\bdefineMigration\b[^}]*\}\s*from\s*['"]([^'"]+)['"]/.exec(
    readFileSync(file, 'utf8'),
  )
  return match?.[1]
}

/**
 * Squash a linear run of a module's migrations into one new migration file.
 *
 * @example
 * const result = await squashMigrations({ module: 'app', modules: config.modules, to: '0004' })
 * // writes migrations/0001_squashed_0004_stock.ts with replaces: ['0001_initial', …, '0004_stock']
 */
export async function squashMigrations(options: SquashOptions): Promise<SquashResult> {
  const module = options.modules.find((m) => m.name === options.module)
  if (module === undefined) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_UNKNOWN_MODULE',
      `There is no module "${options.module}" in the migration configuration (modules: ${options.modules.map((m) => m.name).join(', ') || 'none'}).`,
    )
  }
  const suffix = options.name
  if (suffix !== undefined && !/^[a-z0-9_]+$/.test(suffix)) {
    throw rangeError(`The name ${JSON.stringify(suffix)} must be lower-case letters, digits and _.`)
  }
  const all = [...(options.migrations ?? (await loadMigrations(options.modules)))]
  const own = all.filter((m) => m.module === module.name)
  const to = findMigration(own, module.name, options.to)
  const from =
    options.from === undefined ? undefined : findMigration(own, module.name, options.from)
  const replacedBy = new Map<string, string>()
  for (const m of all) for (const r of m.replaces) replacedBy.set(dependencyKey(r, m.module), m.key)
  for (const m of [from, to]) {
    const by = m === undefined ? undefined : replacedBy.get(m.key)
    if (by !== undefined) throw nested(`${m!.key} is already replaced by ${by}`, by)
  }
  const graph = new MigrationGraph(all)
  const run = linearRun(graph, to, from)
  if (run.length < 2)
    throw rangeError(`${to.key} alone is not a run to squash; name an older first migration.`)
  const squashed = run.find((m) => m.replaces.length > 0)
  if (squashed !== undefined) {
    throw nested(
      `${squashed.key} is a squashed migration (give a first migration after it to squash only what follows)`,
      squashed.key,
    )
  }

  const { operations, elided } = collectOperations(run)

  // Dependencies pointing outside the run, in the order they are first met.
  const inRun = new Set(run.map((m) => m.key))
  const outside = [
    ...new Set(run.flatMap((m) => m.dependencies.map((d) => dependencyKey(d, module.name)))),
  ].filter((key) => !inRun.has(key))
  const dependencies = outside.map((key) =>
    key.startsWith(`${module.name}.`) ? key.slice(module.name.length + 1) : key,
  )
  assertNoCycle(graph, run, replacedBy)
  // The state the run starts from: everything it depends on.
  const before = replay(graph.forwardsPlan(outside.map((key) => replacedBy.get(key) ?? key)))
  const warnings: string[] = []
  let optimized = optimize(operations, module.name, { state: before })
  const expected = canonicalState(replayOps(operations, module.name, before))
  if (canonicalState(replayOps(optimized, module.name, before)) !== expected) {
    // A safety net: the rules are tested, but a squash must never change the schema.
    optimized = operations
    warnings.push(
      'The optimized operations did not rebuild the same schema, so the operations were copied unoptimized. Please report this as a Plinth bug, with the migrations.',
    )
  }

  const name = `${/^(\d+)_/.exec(run[0]!.name)![1]!}_${suffix ?? `squashed_${to.name}`}`
  const file = join(module.migrations, `${name}.ts`)
  if (own.some((m) => m.name === name) || existsSync(file)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_SQUASH_EXISTS',
      `The migration ${file} exists already; choose another name with --name.`,
    )
  }
  const text = render({
    module: module.name,
    run,
    dependencies,
    operations: optimized,
    before,
    elided,
    importFrom: options.importFrom ?? importOf(to.file) ?? 'plinth/migrations',
    inputCount: operations.length + elided,
  })
  const dependents = graph
    .nodes()
    .filter((m) => !inRun.has(m.key) && graph.parents(m.key).some((p) => inRun.has(p)))
    .map((m) => m.key)
  if (!options.dryRun) writeFileSync(file, text, { flag: 'wx' })
  return {
    name,
    file,
    text,
    replaces: run.map((m) => m.name),
    dependencies,
    operationsIn: operations.length + elided,
    operationsOut: optimized.length,
    elided,
    dependents,
    written: !options.dryRun,
    warnings,
  }
}

/**
 * The squashed migration runs after everything any migration of the run depends on. When one of
 * those depends on a migration of the run itself (another module's migration in the middle of
 * the run), the squashed migration would depend on itself.
 */
function assertNoCycle(
  graph: MigrationGraph,
  run: readonly Migration[],
  replacedBy: ReadonlyMap<string, string>,
): void {
  const inRun = new Set(run.map((m) => m.key))
  for (const m of run) {
    for (const d of m.dependencies) {
      const key = dependencyKey(d, m.module)
      if (inRun.has(key)) continue
      const needed = new Set(graph.forwardsPlan([replacedBy.get(key) ?? key]).map((x) => x.key))
      const inside = run.findLast((x) => needed.has(x.key))
      if (inside === undefined) continue
      throw rangeError(
        `The run cannot be squashed: ${m.key} depends on ${key}, which depends on ${inside.key} of the same run, so the squashed migration would depend on itself. Squash up to the migration before ${m.name}, or start after ${inside.name}.`,
      )
    }
  }
}

/** The operations of the run, without the elidable runSql/runCode (refusing the others). */
function collectOperations(run: readonly Migration[]): { operations: Operation[]; elided: number } {
  const operations: Operation[] = []
  let elided = 0
  for (const m of run) {
    for (const operation of m.operations) {
      if (!(operation instanceof RunSql || operation instanceof RunCode)) {
        operations.push(operation)
      } else if (operation.options.elidable) {
        elided++
      } else {
        throw new MigrationError(
          'PLINTH_MIGRATIONS_SQUASH_NOT_ELIDABLE',
          `${m.key} has a ${operation.type} operation ("${operation.describe()}") that cannot be copied into a squashed migration (its SQL or function stays in the original file). If it is not needed on new databases any more, mark it elidable: true; otherwise squash the migrations before it and after it separately.`,
        )
      }
    }
  }
  return { operations, elided }
}

function nested(what: string, squashed: string): MigrationError {
  return new MigrationError(
    'PLINTH_MIGRATIONS_SQUASH_NESTED',
    `${what}. Finish that squash first: once every database has applied it, delete the migrations ${squashed} replaces and remove its replaces list; then it can be squashed like any other migration.`,
  )
}

function replayOps(operations: readonly Operation[], module: string, start: ProjectState) {
  const state = start.clone()
  for (const operation of operations) operation.applyState(state, module)
  return state
}

/** The squashed migration's file text, with data-loss notes like makemigrations writes. */
function render(input: {
  module: string
  run: readonly Migration[]
  dependencies: readonly string[]
  operations: readonly Operation[]
  before: ProjectState
  elided: number
  importFrom: string
  inputCount: number
}): string {
  const notes = new Map<number, string[]>()
  const state = input.before.clone()
  input.operations.forEach((operation, i) => {
    const loss = operation.dataLoss(state, input.module)
    if (loss !== undefined) notes.set(i, [`⚠ Loses data: ${loss}`])
    operation.applyState(state, input.module)
  })
  const first = input.run[0]!
  const last = input.run[input.run.length - 1]!
  const elided = input.elided > 0 ? `, ${input.elided} elidable dropped` : ''
  let text = renderMigration({
    module: input.module,
    dependencies: input.dependencies,
    operations: input.operations,
    replaces: input.run.map((m) => m.name),
    initial: first.initial || input.dependencies.every((d) => d.includes('.')),
    notes,
    importFrom: input.importFrom,
    header: `Squashed by plinth squashmigrations on ${new Date().toISOString().slice(0, 10)}: ${first.name} … ${last.name} (${input.inputCount} operations → ${input.operations.length}${elided}).`,
  })
  if (input.run.some((m) => !m.atomic))
    text = text.replace('export default defineMigration({\n', '$&  atomic: false,\n')
  return text
}
