/**
 * What `coldstart.ts` starts, and how the report splits the example app's start into Node's own
 * start, Plinth's import cost, the CLI and the app.
 *
 * Two kinds of contender: scripts timed from spawn to exit (Node alone, importing Plinth), and
 * servers timed from spawn to the first 200 answer on `path`. Every command runs with
 * `NODE_ENV=production`, like `plinth start`.
 */
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { BENCH_DIR, ROOT_DIR } from '../harness.ts'

export interface Contender {
  id: string
  label: string
  /** Node arguments after the `--conditions` flag; `port` is free, `dir` an empty temp dir. */
  args(port: number, dir: string): string[]
  /** Answer to wait for; absent: the script is timed until it exits (code 0 required). */
  path?: string
  cwd?: string
  env?(dir: string): Record<string, string>
  /** Runs before the clock starts (e.g. copying a migrated database into `dir`). */
  prepare?(dir: string, template: string): void
}

const CATALOG_DIR = join(ROOT_DIR, 'examples', 'catalog')
const PLINTH_BIN = join(ROOT_DIR, 'bin', 'plinth.js')

/** The Plinth entry points `examples/catalog/src` imports (static imports, in one module). */
const CATALOG_IMPORTS = [
  'plinth',
  'plinth/auth',
  'plinth/openapi',
  'plinth/orm',
  'plinth/security',
  'plinth/sessions',
  'plinth/templates',
  'plinth/migrations',
]

const importScript = (specifiers: readonly string[]) => [
  '--input-type=module',
  '-e',
  specifiers.map((s) => `import '${s}'`).join(';'),
]

/** The catalogue on SQLite in `dir` (uploads too), started as its README says: `plinth start`. */
const catalogEnv = (dir: string) => ({
  DATABASE_URL: `sqlite:${join(dir, 'catalog.sqlite3')}`,
  CATALOG_MEDIA_DIR: join(dir, 'uploads'),
})

export const CONTENDERS: Contender[] = [
  { id: 'node', label: 'node, empty script (exit)', args: () => importScript([]) },
  {
    id: 'node-ts',
    label: 'node, empty `.ts` file (exit)',
    args: () => [join(BENCH_DIR, 'coldstart', 'empty.ts')],
  },
  { id: 'import', label: "import 'plinth' (exit)", args: () => importScript(['plinth']) },
  {
    id: 'import-all',
    label: `import the ${CATALOG_IMPORTS.length} plinth modules the catalogue uses (exit)`,
    args: () => importScript(CATALOG_IMPORTS),
  },
  {
    id: 'raw',
    label: 'node:http server (`servers/raw-node.ts`)',
    args: (port) => [join(BENCH_DIR, 'servers', 'raw-node.ts'), String(port)],
    path: '/json',
  },
  {
    id: 'plinth',
    label: 'Plinth, 2 routes, `createServer` (`servers/plinth.ts`)',
    args: (port) => [join(BENCH_DIR, 'servers', 'plinth.ts'), String(port)],
    path: '/json',
  },
  {
    id: 'plinth-cli',
    label: 'Plinth, 1 route, `plinth start` (`coldstart/minimal-app.ts`)',
    args: (port) => [
      PLINTH_BIN,
      'start',
      '--app',
      join(BENCH_DIR, 'coldstart', 'minimal-app.ts'),
      '--port',
      String(port),
    ],
    path: '/',
  },
  {
    id: 'catalog',
    label: 'examples/catalog, `plinth start`, migrated SQLite, first page `/`',
    args: (port) => [PLINTH_BIN, 'start', '--port', String(port)],
    cwd: CATALOG_DIR,
    env: catalogEnv,
    prepare: (dir, template) => cpSync(template, dir, { recursive: true }),
    path: '/',
  },
  {
    id: 'catalog-fresh',
    label: 'examples/catalog, `plinth start`, empty SQLite (migrates at start), first page `/`',
    args: (port) => [PLINTH_BIN, 'start', '--port', String(port)],
    cwd: CATALOG_DIR,
    env: catalogEnv,
    path: '/',
  },
]

/** One line of the breakdown: `of` minus `minus` (absent: `of` alone), per run. */
export interface Part {
  label: string
  of: string
  minus?: string
}

/**
 * From `src/`, importing Plinth loads Node's TypeScript support, as a `.ts` entry does, so the
 * import is measured over an empty `.ts` file; from `dist/` (plain JavaScript) over Node alone.
 */
export function breakdown(dist: boolean): Part[] {
  const importBase = dist ? 'node' : 'node-ts'
  const over = dist ? "Node's start" : 'an empty `.ts` file'
  return [
    { label: "Node's own start (empty script, spawn to exit)", of: 'node' },
    { label: 'TypeScript support (empty `.ts` file over Node)', of: 'node-ts', minus: 'node' },
    { label: `Importing \`plinth\` (over ${over})`, of: 'import', minus: importBase },
    {
      label: `Importing the catalogue's \`plinth/*\` modules (over ${over})`,
      of: 'import-all',
      minus: importBase,
    },
    {
      label: 'A `node:http` server up and answering (over an empty `.ts`)',
      of: 'raw',
      minus: 'node-ts',
    },
    { label: 'A minimal Plinth app over `node:http`', of: 'plinth', minus: 'raw' },
    {
      label: '`plinth start` (CLI, logger) over `createServer`',
      of: 'plinth-cli',
      minus: 'plinth',
    },
    {
      label: 'The catalogue over a minimal `plinth start` app',
      of: 'catalog',
      minus: 'plinth-cli',
    },
    { label: 'Migrating an empty SQLite database at start', of: 'catalog-fresh', minus: 'catalog' },
  ]
}

/** Where the migrated database for `catalog` comes from: one `catalog-fresh` start, stopped. */
export const TEMPLATE_SOURCE = 'catalog-fresh'
