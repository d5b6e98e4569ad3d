/**
 * Template loaders: where templates come from.
 *
 * - `fileSystemLoader(dirs)`: directories in priority order (the app's templates override a
 *   module's, as in Django).
 * - `moduleLoader(import.meta.url)`: templates shipped inside a package (Plinth's admin).
 * - `memoryLoader({ 'a.html': '…' })`: for tests.
 * - `chainLoader([a, b])`: the first loader that has the name wins.
 * - `prefixLoader({ admin: loader })`: `admin/base.html` is that loader's `base.html`.
 *
 * Every loader returns `undefined` for a template it does not have (the environment then throws
 * `TemplateNotFoundError` listing `describeLoader()` of its loaders) and refuses names that could
 * reach outside its roots with `TemplatePathError` (`PLINTH_TEMPLATE_PATH`).
 */
import { TemplateError } from './errors.ts'
import { templateSegments } from './loaders/names.ts'
import type { LoadedSource, Loader } from './loaders/types.ts'

export {
  type FileSystemLoaderOptions,
  fileSystemLoader,
  moduleLoader,
} from './loaders/filesystem.ts'
export { isSafeTemplateName, templateSegments } from './loaders/names.ts'
export type { LoadedSource, Loader } from './loaders/types.ts'

/**
 * Templates held in memory, for tests and small apps. The record is copied: later changes to it
 * are not seen. Names follow the same rules as on disk, so a test cannot pass with a name the
 * file-system loader would refuse.
 *
 * @example memoryLoader({ 'base.html': '<main>{% block body %}{% endblock %}</main>' })
 */
export function memoryLoader(record: Record<string, string>): Loader {
  // A Map, not the record: `load('constructor')` must not find Object.prototype's.
  const templates = new Map<string, string>()
  for (const [name, source] of Object.entries(record)) {
    templateSegments(name)
    if (typeof source !== 'string') {
      throw new TemplateError(
        'PLINTH_TEMPLATE_LOADER',
        `memoryLoader(): the source of ${JSON.stringify(name)} must be a string, got ${typeof source}.`,
      )
    }
    templates.set(name, source)
  }
  return {
    load(name: string): LoadedSource | undefined {
      templateSegments(name)
      const source = templates.get(name)
      return source === undefined ? undefined : { name, source, isFresh: () => true }
    },
    describe(): string[] {
      const names = [...templates.keys()].sort()
      const shown = names.slice(0, 10).join(', ') + (names.length > 10 ? ', …' : '')
      return [
        `memory loader (${names.length} template${names.length === 1 ? '' : 's'}${names.length > 0 ? `: ${shown}` : ''})`,
      ]
    },
    list: () => [...templates.keys()].sort(),
  }
}

/**
 * The first loader that has the name wins. A template loaded from a later loader becomes stale
 * (`isFresh()` is false) when an earlier loader gains a template of the same name, so adding an
 * override in development takes effect without a restart.
 */
export function chainLoader(loaders: Loader[]): Loader {
  const chain = [...loaders]
  return {
    load(name: string): LoadedSource | undefined {
      for (let index = 0; index < chain.length; index++) {
        const loaded = chain[index]!.load(name)
        if (loaded === undefined) continue
        if (index === 0) return loaded
        const inner = loaded.isFresh
        return {
          ...loaded,
          isFresh(): boolean {
            if (inner !== undefined && !inner.call(loaded)) return false
            try {
              return chain.slice(0, index).every((earlier) => earlier.load(name) === undefined)
            } catch {
              return false
            }
          },
        }
      }
      return undefined
    },
    describe: (name?: string) => chain.flatMap((loader) => describeLoader(loader, name)),
    list: () => [...new Set(chain.flatMap((loader) => loader.list?.() ?? []))].sort(),
  }
}

/**
 * Loaders by name prefix: with `{ admin: adminLoader }`, `admin/base.html` is `adminLoader`'s
 * `base.html`. Names without a known prefix are not found. The loaded template keeps its full
 * name (`admin/base.html`), so relative names and caching see one namespace.
 */
export function prefixLoader(record: Record<string, Loader>, delimiter = '/'): Loader {
  if (delimiter === '') {
    throw new TemplateError('PLINTH_TEMPLATE_LOADER', 'prefixLoader(): the delimiter is empty.')
  }
  const loaders = new Map<string, Loader>()
  for (const [prefix, loader] of Object.entries(record)) {
    if (prefix === '' || prefix.includes(delimiter)) {
      throw new TemplateError(
        'PLINTH_TEMPLATE_LOADER',
        `prefixLoader(): the prefix ${JSON.stringify(prefix)} must be non-empty and must not contain the delimiter ${JSON.stringify(delimiter)}.`,
      )
    }
    loaders.set(prefix, loader)
  }
  /** `[prefix, rest]`, or `[name]` when there is no delimiter. */
  const split = (name: string): [string, string?] => {
    const at = name.indexOf(delimiter)
    return at === -1 ? [name] : [name.slice(0, at), name.slice(at + delimiter.length)]
  }
  return {
    load(name: string): LoadedSource | undefined {
      // Check the whole name, read with "/" as the delimiter, so that hostile names are refused
      // here as by every other loader, not merely "not found" for want of a prefix.
      if (typeof name !== 'string') templateSegments(name)
      const [prefix, rest] = split(name)
      templateSegments(rest === undefined ? name : `${prefix}/${rest}`)
      if (rest === undefined) return undefined
      const loaded = loaders.get(prefix)?.load(rest)
      if (loaded === undefined) return undefined
      // Spread copies own properties only: keep an `isFresh` a custom loader defines on a class.
      const isFresh = loaded.isFresh
      return isFresh === undefined
        ? { ...loaded, name }
        : { ...loaded, name, isFresh: () => isFresh.call(loaded) }
    },
    describe(name?: string): string[] {
      const [prefix, rest] = name === undefined ? [''] : split(name)
      const loader = loaders.get(prefix)
      if (loader !== undefined && rest !== undefined) {
        return describeLoader(loader, rest).map((place) => `${prefix}: ${place}`)
      }
      const known = [...loaders.keys()].map((p) => JSON.stringify(p + delimiter)).join(', ')
      if (name !== undefined) return [`prefix loader: the name must start with one of ${known}`]
      return [...loaders].flatMap(([prefix, loader]) =>
        describeLoader(loader).map((place) => `${prefix}: ${place}`),
      )
    },
    list: () =>
      [...loaders]
        .flatMap(([prefix, loader]) => (loader.list?.() ?? []).map((n) => prefix + delimiter + n))
        .sort(),
  }
}

/**
 * Where a loader looks for `name` (or in general), for "not found" messages; custom loaders
 * without `describe()` are described by their constructor's name.
 */
export function describeLoader(loader: Loader, name?: string): string[] {
  if (typeof loader.describe === 'function') return loader.describe(name)
  const kind = (loader as object).constructor?.name
  return [`${kind && kind !== 'Object' ? kind : 'custom loader'} (no describe())`]
}
