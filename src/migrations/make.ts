/**
 * `makeMigrations`: what `plinth makemigrations` does, callable from code and tests.
 *
 * Loads every module's migration files, checks the history has no unmerged branches, replays it
 * into the state the database should be in, compares that with today's models and writes one
 * file per module that changed (`NNNN_<name>.ts`, depending on the module's latest migration and
 * on other modules' where a relation crosses over). Also writes empty migrations for hand-written
 * steps and merge migrations for branches.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { checkBranches } from './autodetector/branches.ts'
import { fieldReferences } from './autodetector/compare.ts'
import { autoName, nextNumber, suggestName, validName } from './autodetector/names.ts'
import { type DetectOptions, detectChanges, type ModuleChanges } from './autodetector.ts'
import type { MigrationModule } from './config.ts'
import { MigrationError } from './errors.ts'
import { MigrationGraph } from './graph.ts'
import { loadMigrations, migrationFiles } from './loader.ts'
import { replay } from './migration.ts'
import type { Operation } from './operations/base.ts'
import type { Questioner } from './questioner.ts'
import { modelKey, ProjectState } from './state.ts'
import { renderMigration } from './writer.ts'

/** Options of {@link makeMigrations}. */
export interface MakeMigrationsOptions
  extends Pick<DetectOptions, 'renames' | 'noRenames' | 'defaults' | 'allowDataLoss'> {
  /** The configured modules (`config.modules`). */
  modules: readonly MigrationModule[]
  /** Only these modules (names); default all. Modules they need are included. */
  only?: readonly string[]
  /** Write nothing; report whether models have changes without a migration. */
  check?: boolean
  /** Write nothing; the output shows each file that would be written. */
  dryRun?: boolean
  /** Write an empty migration (for hand-written operations) for each selected module. */
  empty?: boolean
  /** The name part of the file (`0004_<name>.ts`) instead of the suggested one. */
  name?: string
  /** Write merge migrations for modules whose history has branches. */
  merge?: boolean
  /** Ask questions (renames, fill values, data loss) through `questioner`. Default: when given. */
  interactive?: boolean
  questioner?: Questioner
  /**
   * Where migration files import from. Default: what the module's latest migration imports
   * from, else `plinth/migrations`.
   */
  importFrom?: string
  /** Paths in the output are shown relative to this directory (default: the process's). */
  cwd?: string
  /** The time used in `auto_<timestamp>` names and file headers (tests). */
  now?: Date
}

/** One migration file written (or, for check and dry runs, that would be written). */
export interface GeneratedMigration {
  module: string
  /** `0002_product_stock`. */
  name: string
  /** Absolute path. */
  file: string
  text: string
  operations: readonly Operation[]
  written: boolean
}

/** What {@link makeMigrations} did. */
export interface MakeMigrationsResult {
  /** True when there were changes (or merges, or an empty migration) to write. */
  changed: boolean
  migrations: GeneratedMigration[]
  /** The report for the user (what the CLI prints). */
  output: string
}

const EMPTY_TEMPLATE = [
  'Hand-written operations. A data migration uses the models as they are at this point of the',
  'history (models.get), never the models imported from your code:',
  'op.runCode({',
  '  forward: async ({ models }) => {',
  "    const Product = models.get('Product')",
  "    await Product.objects.filter({ slug: '' }).update({ slug: 'unnamed' })",
  '  },',
  '  backward: op.noop,',
  '}),',
  'Raw SQL, with the statements that undo it (per dialect: { postgres: …, sqlite: …, mysql: … }):',
  "op.runSql({ sql: 'CREATE INDEX ix_note ON note (created_at)', reverse: 'DROP INDEX ix_note' }),",
]

/**
 * Generate migration files for model changes.
 *
 * @example
 * const result = await makeMigrations({ modules: config.modules, renames: [{ model: 'app.Product', from: 'title', to: 'name' }] })
 * process.stdout.write(result.output)
 */
export async function makeMigrations(
  options: MakeMigrationsOptions,
): Promise<MakeMigrationsResult> {
  const names = options.modules.map((m) => m.name)
  for (const name of options.only ?? []) {
    if (!names.includes(name)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_UNKNOWN_MODULE',
        `There is no module "${name}" in the migration configuration (modules: ${names.join(', ')}).`,
      )
    }
  }
  if (options.name !== undefined && !validName(options.name)) {
    throw new MigrationError(
      'PLINTH_MIGRATIONS_INVALID',
      `The migration name "${options.name}" must be lower-case letters, digits and _ (e.g. add_stock).`,
    )
  }
  const migrations = await loadMigrations(options.modules)
  const graph = new MigrationGraph(migrations)
  if (options.merge) return merge(options, graph)
  graph.assertNoConflicts()
  if (options.empty) return empty(options, graph)
  const from = replay(graph.order())
  const to = ProjectState.fromModels(options.modules.flatMap((m) => m.models))
  checkReferences(to)
  const questioner = options.interactive === false ? undefined : options.questioner
  const changes = await detectChanges(from, to, {
    ...(options.renames ? { renames: options.renames } : {}),
    ...(options.defaults ? { defaults: options.defaults } : {}),
    noRenames: options.noRenames ?? false,
    allowDataLoss: options.allowDataLoss ?? false,
    check: options.check ?? false,
    ...(questioner ? { questioner } : {}),
  })
  const selected = selectModules(changes, options.only)
  if (selected.length === 0) {
    const where = options.only?.length ? ` in ${options.only.join(', ')}` : ''
    return { changed: false, migrations: [], output: `No changes detected${where}.\n` }
  }
  const planned = plan(options, graph, selected)
  return finish(options, planned, options.check ? 'check' : options.dryRun ? 'dry' : 'write')
}

/** A relation to a model no module lists would replay into a state that cannot resolve it. */
function checkReferences(to: ProjectState): void {
  for (const model of to.models()) {
    for (const [name, f] of model.fields) {
      for (const ref of fieldReferences(model, f)) {
        if (to.has(ref)) continue
        throw new MigrationError(
          'PLINTH_MIGRATIONS_UNKNOWN_MODEL',
          `${modelKey(model.module, model.name)}.${name} points at ${ref}, which no module of the migration configuration lists. Add the model to its module's models (defineModule({ models })), or add its module to defineMigrations({ modules }).`,
        )
      }
    }
  }
}

/** The selected modules' changes, plus those of modules they need in the same run. */
function selectModules(changes: ModuleChanges[], only?: readonly string[]): ModuleChanges[] {
  if (!only?.length) return changes
  const keep = new Set(only)
  let grew = true
  while (grew) {
    grew = false
    for (const c of changes) {
      if (!keep.has(c.module)) continue
      for (const dep of c.dependencies) {
        if (dep.created && changes.some((x) => x.module === dep.module) && !keep.has(dep.module)) {
          keep.add(dep.module)
          grew = true
        }
      }
    }
  }
  return changes.filter((c) => keep.has(c.module))
}

interface Planned {
  module: MigrationModule
  name: string
  dependencies: string[]
  operations: readonly Operation[]
  notes?: Map<number, string[]>
  initial: boolean
  placeholder?: readonly string[]
  /** Description lines overriding the operations' (merge, empty). */
  summary?: string[]
  lossy?: Set<number>
}

function moduleOf(options: MakeMigrationsOptions, name: string): MigrationModule {
  return options.modules.find((m) => m.name === name)!
}

function leafName(graph: MigrationGraph, module: string): string | undefined {
  const leaf = graph.leaves(module)[0]
  return leaf?.slice(module.length + 1)
}

function plan(
  options: MakeMigrationsOptions,
  graph: MigrationGraph,
  changes: ModuleChanges[],
): Planned[] {
  const now = options.now ?? new Date()
  const planned = changes.map((c): Planned => {
    const module = moduleOf(options, c.module)
    const initial = !graph.nodes().some((m) => m.module === c.module)
    const name = `${nextNumber(module.migrations)}_${options.name ?? suggestName(c.operations, initial, now)}`
    const lossy = new Set(c.notes.keys())
    return {
      module,
      name,
      dependencies: [],
      operations: c.operations,
      notes: c.notes,
      initial,
      lossy,
    }
  })
  const newName = (module: string) => planned.find((p) => p.module.name === module)?.name
  for (const [i, c] of changes.entries()) {
    const p = planned[i]!
    const deps = new Set<string>()
    const own = leafName(graph, c.module)
    if (own !== undefined) deps.add(own)
    for (const dep of c.dependencies) {
      const fresh = newName(dep.module)
      const target = dep.created && fresh !== undefined ? fresh : leafName(graph, dep.module)
      if (target !== undefined) deps.add(`${dep.module}.${target}`)
    }
    p.dependencies = [...deps]
  }
  assertAcyclic(planned)
  return planned
}

/** New migrations of two modules that need each other cannot both come first. */
function assertAcyclic(planned: Planned[]): void {
  const key = (p: Planned) => `${p.module.name}.${p.name}`
  const edges = new Map(
    planned.map((p) => [
      p.module.name,
      planned.filter((x) => p.dependencies.includes(key(x))).map((x) => x.module.name),
    ]),
  )
  const visit = (module: string, path: string[]): void => {
    if (path.includes(module)) {
      throw new MigrationError(
        'PLINTH_MIGRATIONS_CROSS_MODULE_CYCLE',
        `The new migrations of ${[...path.slice(path.indexOf(module)), module].join(' → ')} would each need the other first (relations in both directions added at once). Generate them in two steps: leave out one direction's relation (or make it nullable and add it later), run makemigrations, then add it and run makemigrations again.`,
      )
    }
    for (const next of edges.get(module) ?? []) visit(next, [...path, module])
  }
  for (const module of edges.keys()) visit(module, [])
}

/** The import path of the module's latest migration file, to keep a project's choice. */
function existingImport(dir: string): string | undefined {
  const files = migrationFiles(dir)
  const last = files.at(-1)
  if (last === undefined) return undefined
  const text = readFileSync(join(dir, last), 'utf8')
  return /import\s*\{[^}]*\bdefineMigration\b[^}]*\}\s*from\s*['"]([^'"]+)['"]/.exec(text)?.[1]
}

function finish(
  options: MakeMigrationsOptions,
  planned: Planned[],
  mode: 'write' | 'check' | 'dry',
): MakeMigrationsResult {
  const cwd = options.cwd ?? process.cwd()
  const now = options.now ?? new Date()
  const out: string[] = []
  const generated: GeneratedMigration[] = []
  for (const p of planned) {
    const file = join(p.module.migrations, `${p.name}.ts`)
    const text = renderMigration({
      module: p.module.name,
      dependencies: p.dependencies,
      operations: p.operations,
      initial: p.initial,
      ...(p.notes ? { notes: p.notes } : {}),
      ...(p.placeholder ? { placeholder: p.placeholder } : {}),
      importFrom: options.importFrom ?? existingImport(p.module.migrations) ?? 'plinth/migrations',
      header: `Generated by plinth makemigrations on ${now.toISOString().slice(0, 10)}.`,
    })
    if (mode === 'write') {
      mkdirSync(p.module.migrations, { recursive: true })
      writeFileSync(file, text, { flag: 'wx' })
    }
    generated.push({
      module: p.module.name,
      name: p.name,
      file,
      text,
      operations: p.operations,
      written: mode === 'write',
    })
    const suffix =
      mode === 'check' ? ' (not written: --check)' : mode === 'dry' ? ' (dry run: not written)' : ''
    out.push(`Migrations for ${p.module.name}:`, `  ${relative(cwd, file) || file}${suffix}`)
    const lines =
      p.summary ??
      p.operations.map((o, i) => `${o.describe()}${p.lossy?.has(i) ? ' (⚠ loses data)' : ''}`)
    for (const line of lines) out.push(`    - ${line}`)
  }
  if (mode === 'check')
    out.push('Models have changes without a migration; run `plinth makemigrations` to write them.')
  if (mode === 'dry')
    for (const g of generated) out.push('', `// ${relative(cwd, g.file)}`, g.text.trimEnd())
  return { changed: generated.length > 0, migrations: generated, output: `${out.join('\n')}\n` }
}

function selectedModules(options: MakeMigrationsOptions): MigrationModule[] {
  if (options.only?.length) return options.only.map((name) => moduleOf(options, name))
  if (options.modules.length === 1) return [...options.modules]
  throw new MigrationError(
    'PLINTH_MIGRATIONS_INVALID',
    `Say which module gets the empty migration: plinth makemigrations --empty <module> (modules: ${options.modules.map((m) => m.name).join(', ')}).`,
  )
}

function empty(options: MakeMigrationsOptions, graph: MigrationGraph): MakeMigrationsResult {
  const now = options.now ?? new Date()
  const planned = selectedModules(options).map((module): Planned => {
    const leaf = leafName(graph, module.name)
    return {
      module,
      name: `${nextNumber(module.migrations)}_${options.name ?? autoName(now)}`,
      dependencies: leaf === undefined ? [] : [leaf],
      operations: [],
      initial: leaf === undefined,
      placeholder: EMPTY_TEMPLATE,
      summary: ['Empty migration: write its operations by hand'],
    }
  })
  return finish(options, planned, options.dryRun ? 'dry' : 'write')
}

function merge(options: MakeMigrationsOptions, graph: MigrationGraph): MakeMigrationsResult {
  const now = options.now ?? new Date()
  const conflicts = [...graph.conflicts()].filter(
    ([module]) => !options.only?.length || options.only.includes(module),
  )
  if (conflicts.length === 0)
    return { changed: false, migrations: [], output: 'No conflicts to merge.\n' }
  const planned = conflicts.map(([name, leaves]): Planned => {
    checkBranches(graph, leaves)
    const module = moduleOf(options, name)
    const bare = leaves.map((l) => l.slice(name.length + 1))
    const joined = `merge_${bare.join('_')}`
    return {
      module,
      name: `${nextNumber(module.migrations)}_${options.name ?? (joined.length > 60 ? `merge_${autoName(now).slice(5)}` : joined)}`,
      dependencies: bare,
      operations: [],
      initial: false,
      summary: [`Merge ${bare.join(', ')}`],
    }
  })
  // The merged history must still replay (both branches applied, in the graph's order).
  replay(graph.order())
  return finish(options, planned, options.dryRun ? 'dry' : 'write')
}
