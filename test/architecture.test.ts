/**
 * The layer rule and the no-cycles rule, checked from the source imports (docs/architecture.md).
 *
 * - Each module (`src/<module>/`) may import only the modules its layer allows.
 * - Modules above the core (server, openapi, testing, cli) import other modules only through
 *   their `index.ts`, exactly as a user's own code would.
 * - No runtime import cycles anywhere. Type-only imports may refer back and forth inside one
 *   module (they are erased at runtime) but never across modules against the layer order.
 */
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { describe, it } from 'node:test'

const SRC = resolve(import.meta.dirname, '../src')

/** Which modules each module may import (besides itself). */
const ALLOWED: Record<string, string[]> = {
  http: [],
  routing: ['http'],
  validation: [],
  di: ['http'],
  logging: [],
  orm: ['validation'],
  migrations: ['orm', 'validation'],
  templates: [],
  redis: ['http'],
  security: ['app', 'http', 'routing', 'redis'],
  mail: ['http'],
  sessions: ['app', 'http', 'routing', 'redis', 'orm', 'migrations', 'validation'],
  auth: [
    'app',
    'http',
    'routing',
    'validation',
    'di',
    'orm',
    'migrations',
    'security',
    'sessions',
    'mail',
    'redis',
  ],
  app: ['http', 'routing', 'validation', 'di', 'logging', 'templates'],
  server: ['app', 'http', 'logging'],
  openapi: ['app', 'http', 'routing', 'validation', 'di'],
  testing: ['app', 'http', 'server'],
  cli: [
    'app',
    'http',
    'logging',
    'server',
    'routing',
    'orm',
    'migrations',
    'templates',
    'auth',
    'sessions',
  ],
  '.': ['app', 'http', 'routing', 'validation', 'di', 'logging', 'templates'],
}
/** Modules that must use other modules' public `index.ts` only. */
const INDEX_ONLY = new Set(['server', 'openapi', 'testing', 'cli', 'security', 'sessions', 'auth'])
/** Third-party packages each module may use (node: built-ins are allowed everywhere). */
const PACKAGES: Record<string, string[]> = {
  http: ['@fastify/busboy'],
  validation: ['@standard-schema/spec'],
  logging: ['pino', 'pino-pretty'],
  app: ['pino'],
  openapi: ['swagger-ui-dist'],
  orm: ['kysely', 'pg', 'mysql2', 'mysql2/promise'],
  migrations: ['kysely'],
  redis: ['redis'],
  mail: ['nodemailer'],
  auth: ['@node-rs/argon2', 'jose', 'openid-client'],
}

interface Edge {
  from: string
  to: string
  typeOnly: boolean
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name)
    if (statSync(full).isDirectory()) return sourceFiles(full)
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : []
  })
}

function moduleOf(file: string): string {
  const rel = relative(SRC, file)
  return rel.includes('/') ? rel.split('/')[0]! : '.'
}

const IMPORT = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]/gm

function imports(file: string): Array<{ specifier: string; typeOnly: boolean }> {
  const text = readFileSync(file, 'utf8')
  const found: Array<{ specifier: string; typeOnly: boolean }> = []
  for (const match of text.matchAll(IMPORT)) {
    const clause = match[0]
    const typeOnly =
      Boolean(match[2]) || /^\s*(import|export)\s*\{\s*(type\s+[^,}]+,?\s*)+\}/.test(clause)
    found.push({ specifier: match[3]!, typeOnly })
  }
  return found
}

const files = sourceFiles(SRC)
const edges: Edge[] = []
const packageUses: Array<{ file: string; pkg: string }> = []
for (const file of files) {
  for (const { specifier, typeOnly } of imports(file)) {
    if (specifier.startsWith('.'))
      edges.push({ from: file, to: resolve(dirname(file), specifier), typeOnly })
    else if (!specifier.startsWith('node:')) {
      const pkg = specifier.startsWith('@')
        ? specifier.split('/').slice(0, 2).join('/')
        : specifier.split('/')[0]!
      packageUses.push({ file, pkg })
    }
  }
}

describe('architecture', () => {
  it('finds the source files and their imports', () => {
    assert.ok(files.length > 20)
    assert.ok(edges.length > 50)
  })

  it('keeps every module within its layer', () => {
    const violations = edges
      .filter((e) => moduleOf(e.from) !== moduleOf(e.to))
      .filter((e) => !(ALLOWED[moduleOf(e.from)] ?? []).includes(moduleOf(e.to)))
      .map((e) => `${relative(SRC, e.from)} → ${relative(SRC, e.to)}`)
    assert.deepEqual(violations, [])
  })

  it('imports upper-layer dependencies through public index files only', () => {
    const deep = edges
      .filter((e) => INDEX_ONLY.has(moduleOf(e.from)) && moduleOf(e.from) !== moduleOf(e.to))
      .filter((e) => !e.to.endsWith('/index.ts'))
      .map((e) => `${relative(SRC, e.from)} → ${relative(SRC, e.to)}`)
    assert.deepEqual(deep, [])
  })

  it('uses only the third-party packages recorded for each module', () => {
    const unexpected = packageUses
      .filter(({ file, pkg }) => !(PACKAGES[moduleOf(file)] ?? []).includes(pkg))
      .map(({ file, pkg }) => `${relative(SRC, file)} uses ${pkg}`)
    assert.deepEqual(unexpected, [])
  })

  it('has no runtime import cycles', () => {
    const graph = new Map<string, string[]>()
    for (const e of edges) if (!e.typeOnly) graph.set(e.from, [...(graph.get(e.from) ?? []), e.to])
    const cycles: string[] = []
    const state = new Map<string, 'visiting' | 'done'>()
    const stack: string[] = []
    const visit = (node: string) => {
      if (state.get(node) === 'done') return
      if (state.get(node) === 'visiting') {
        cycles.push(
          [...stack.slice(stack.indexOf(node)), node].map((f) => relative(SRC, f)).join(' → '),
        )
        return
      }
      state.set(node, 'visiting')
      stack.push(node)
      for (const next of graph.get(node) ?? []) visit(next)
      stack.pop()
      state.set(node, 'done')
    }
    for (const file of files) visit(file)
    assert.deepEqual(cycles, [])
  })

  it('has no type-only cycles across modules', () => {
    const moduleGraph = new Map<string, Set<string>>()
    for (const e of edges) {
      const [a, b] = [moduleOf(e.from), moduleOf(e.to)]
      if (a !== b) moduleGraph.set(a, (moduleGraph.get(a) ?? new Set()).add(b))
    }
    const mutual = [...moduleGraph].flatMap(([a, targets]) =>
      [...targets].filter((b) => moduleGraph.get(b)?.has(a)).map((b) => `${a} ↔ ${b}`),
    )
    assert.deepEqual(mutual, [])
  })
})
