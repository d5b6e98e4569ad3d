/**
 * Finding and loading the project's app module.
 *
 * Resolution, first match wins:
 *   1. `--app path/to/module.ts[#exportName]`
 *   2. `"plinth": { "app": "./src/app.ts" }` in `package.json` of the current directory
 *   3. `./app.ts`, `./app.js`, `./src/app.ts`, `./src/app.js`
 *
 * The module's named export (`#exportName`), else its `app` export, else its default export must
 * be a Plinth app, a function returning one, or a promise of one.
 */
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, relative, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { App } from '../app/index.ts'
import { PlinthError } from '../http/index.ts'

/** A resolved app module. */
export interface AppReference {
  /** Absolute path of the module. */
  file: string
  /** Export to use; undefined means `app`, then `default`. */
  exportName: string | undefined
  /** Where the reference came from, for error messages. */
  origin: string
}

const CONVENTIONAL = ['app.ts', 'app.js', 'src/app.ts', 'src/app.js']

function parse(spec: string, cwd: string, origin: string): AppReference {
  const hash = spec.lastIndexOf('#')
  const path = hash === -1 ? spec : spec.slice(0, hash)
  const exportName = hash === -1 ? undefined : spec.slice(hash + 1)
  if (path === '' || exportName === '') {
    throw new PlinthError(
      'PLINTH_CLI_APP_INVALID_REFERENCE',
      `The app reference "${spec}" (${origin}) is malformed; write path/to/module.ts or path/to/module.ts#exportName.`,
    )
  }
  const file = resolve(cwd, path)
  if (!existsSync(file)) {
    throw new PlinthError(
      'PLINTH_CLI_APP_NOT_FOUND',
      `The app module ${path} (${origin}) does not exist (looked for ${file}); check the path.`,
    )
  }
  return { file, exportName, origin }
}

function fromPackageJson(cwd: string): string | undefined {
  const path = resolve(cwd, 'package.json')
  if (!existsSync(path)) return undefined
  let pkg: { plinth?: { app?: unknown } }
  try {
    pkg = JSON.parse(readFileSync(path, 'utf8'))
  } catch (error) {
    throw new PlinthError(
      'PLINTH_CLI_PACKAGE_JSON_INVALID',
      `${path} is not valid JSON (${(error as Error).message}); fix it or pass --app.`,
    )
  }
  if (pkg?.plinth?.app === undefined) return undefined
  if (typeof pkg.plinth.app !== 'string') {
    throw new PlinthError(
      'PLINTH_CLI_PACKAGE_JSON_INVALID',
      `"plinth.app" in ${path} must be a path string such as "./src/app.ts".`,
    )
  }
  return pkg.plinth.app
}

/**
 * Find the app module for a command run in `cwd`.
 *
 * @example
 * resolveAppReference('./src/server.ts#api', process.cwd())
 * // { file: '/project/src/server.ts', exportName: 'api', origin: 'from --app' }
 */
export function resolveAppReference(flag: string | undefined, cwd: string): AppReference {
  if (flag !== undefined) return parse(flag, cwd, 'from --app')
  const configured = fromPackageJson(cwd)
  if (configured !== undefined) return parse(configured, cwd, 'from "plinth.app" in package.json')
  for (const candidate of CONVENTIONAL) {
    const file = resolve(cwd, candidate)
    if (existsSync(file)) return { file, exportName: undefined, origin: `found ./${candidate}` }
  }
  throw new PlinthError(
    'PLINTH_CLI_APP_NOT_FOUND',
    `No app module found in ${cwd}: looked for ${CONVENTIONAL.map((c) => `./${c}`).join(', ')}. ` +
      'Pass --app path/to/app.ts[#export], or add "plinth": { "app": "./src/app.ts" } to package.json.',
  )
}

/** `--app` value that points at the same module and export (for child processes). */
export function formatAppReference(reference: AppReference): string {
  return reference.exportName === undefined
    ? reference.file
    : `${reference.file}#${reference.exportName}`
}

function isApp(value: unknown): value is App {
  // Duck-typed: the app may come from another copy of plinth (built vs source), so no instanceof.
  const app = value as App | null
  return (
    typeof app === 'object' &&
    app !== null &&
    typeof app.handler === 'function' &&
    typeof app.start === 'function' &&
    typeof app.stop === 'function' &&
    typeof app.routes === 'function'
  )
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

function display(file: string, cwd: string): string {
  const path = relative(cwd, file)
  return path.startsWith('..') || isAbsolute(path) ? file : `./${path}`
}

/**
 * Import the module and return its app. Import failures become `PLINTH_CLI_APP_IMPORT_FAILED`
 * with the original error as `cause`.
 *
 * @example
 * const app = await loadApp(resolveAppReference(undefined, process.cwd()))
 */
export async function loadApp(reference: AppReference, cwd = process.cwd()): Promise<App> {
  const shown = display(reference.file, cwd)
  let module: Record<string, unknown>
  try {
    module = await import(pathToFileURL(reference.file).href)
  } catch (error) {
    throw new PlinthError(
      'PLINTH_CLI_APP_IMPORT_FAILED',
      `Could not import the app module ${shown}: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    )
  }
  const names = reference.exportName === undefined ? ['app', 'default'] : [reference.exportName]
  const name = names.find((candidate) => module[candidate] !== undefined)
  if (name === undefined) {
    const available = Object.keys(module)
    throw new PlinthError(
      'PLINTH_CLI_APP_EXPORT_MISSING',
      `${shown} has no export ${names.map((n) => `"${n}"`).join(' or ')}` +
        `${available.length ? ` (it exports: ${available.join(', ')})` : ''}. ` +
        'Export your app as `export const app = createApp()`, or name the export: --app file.ts#name.',
    )
  }
  let value = module[name]
  if (typeof value === 'function' && !isApp(value)) value = await (value as () => unknown)()
  value = await value
  if (!isApp(value)) {
    throw new PlinthError(
      'PLINTH_CLI_NOT_AN_APP',
      `Export "${name}" of ${shown} is ${describe(value)}, not a Plinth app; export the value returned by createApp() (or a function returning it).`,
    )
  }
  return value
}
